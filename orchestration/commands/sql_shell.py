"""`spanledger sql`: an interactive SQL shell on the warehouse, read-only, for machines without a DuckDB CLI.

Each statement runs exactly as `spanledger query` runs one (orchestration/commands/query.py: the
locked, read-only session of duckdb_sessions.py, statements that read only) and prints the same
terminal tables. A statement ends with `;` (or the end of the input); lines starting with `.` or `\\`
are the shell's own commands. Stdin may be a pipe: `echo "select 1" | spanledger sql`.
"""

from __future__ import annotations

import sys

import click

from orchestration.commands.common import CliError, console

PROMPT, MORE = "spanledger> ", "       ...> "
HELP = """\
SQL ends with ';' and reads only (SELECT, DESCRIBE, SHOW, EXPLAIN, PRAGMA); marts are in the schemas
finops, reliability, evals, quality and developer_tools.
  .tables [SCHEMA]   \\dt [SCHEMA]   schemas and tables (views too)
  .schema NAME       \\d NAME        the columns of a table or view (schema.name or name)
  .help              \\?             this help
  .quit              \\q             leave (or Ctrl-D)"""

TABLES_SQL = """
select table_schema as schema, table_name as name, lower(table_type) as type
from information_schema.tables
where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog')
  and ($schema is null or table_schema = $schema)
order by 1, 2"""

COLUMNS_SQL = """
select table_schema || '.' || table_name as "table", column_name as "column", data_type as type
from information_schema.columns
where table_catalog = current_database() and $name in (table_name, table_schema || '.' || table_name)
order by table_schema, table_name, ordinal_position"""


@click.command("sql")
@click.pass_context
def sql_shell(ctx) -> None:
    """An interactive SQL shell on the warehouse, read-only (the same sandbox as `spanledger query`).

    Statements end with ';'. `.tables` (or \\dt) lists schemas and tables, `.schema NAME` (or \\d NAME)
    a table's columns, `.help` the rest. Piped input runs statement by statement; the exit code is 1
    when any of them failed.

    \b
    Examples:
      spanledger sql
      echo "select * from finops.fct_chargeback_monthly;" | spanledger sql
      spanledger sql < my_questions.sql > answers.csv
    """

    settings = ctx.obj["settings"]
    if settings.warehouse != "duckdb":
        raise CliError('`spanledger sql` opens the DuckDB warehouse; on BigQuery use `spanledger query "…"`')
    if not settings.warehouse_path.exists():
        from orchestration.landing.origin import next_step_hint

        raise CliError(f"no warehouse at {settings.warehouse_path}; next: {next_step_hint(settings)}")
    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        console.print(f"{settings.warehouse_path}, read-only. .help for help, .quit or Ctrl-D to leave.")
    failed = False
    for text in _statements(interactive):
        failed |= not _run(settings, text)
    raise SystemExit(1 if failed and not interactive else 0)


def _statements(interactive: bool):
    """Each statement or shell command of stdin, in order; what is left at the end is one too."""
    buffer: list[str] = []
    while True:
        if interactive:
            try:
                line = input(MORE if buffer else PROMPT)
            except EOFError:  # Ctrl-D
                console.print()
                break
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as in other shells
                console.print()
                buffer.clear()
                continue
        else:
            line = sys.stdin.readline()
            if not line:
                break
        stripped = line.strip()
        if not buffer and stripped[:1] in (".", "\\"):
            yield stripped
        elif stripped:
            buffer.append(line.rstrip("\n"))
            if stripped.endswith(";"):
                yield "\n".join(buffer)
                buffer.clear()
    if buffer:
        yield "\n".join(buffer)


def _run(settings, text: str) -> bool:
    """Run one shell command or statement(s); False when it failed (the error is printed)."""
    from orchestration.commands.query import _print_rows, _query_duckdb

    try:
        if text[:1] in (".", "\\"):
            return _shell_command(settings, text)
        for statement in _split(text):
            names, rows = _query_duckdb(settings, statement)
            _print_rows(names, rows, "table")
    except click.ClickException as err:
        err.show()
        return False
    return True


def _split(text: str) -> list[str]:
    """The statements of `text` (DuckDB's parser decides); unparsable text as it is, for its error."""
    import duckdb

    try:
        return [s.query for s in duckdb.extract_statements(text)] or [text]
    except duckdb.Error:
        return [text]


def _shell_command(settings, text: str) -> bool:
    from orchestration.commands.query import _print_rows, _query_duckdb

    command, _, argument = text.partition(" ")
    argument = argument.strip().rstrip(";") or None
    if command in (".quit", ".exit", "\\q"):
        raise SystemExit(0)
    if command in (".help", "\\?", "\\h"):
        console.print(HELP, highlight=False, markup=False)
    elif command in (".tables", "\\dt", "\\dv", "\\d") and (command != "\\d" or argument is None):
        _print_rows(*_query_duckdb(settings, TABLES_SQL, {"schema": argument}), "table")
    elif command in (".schema", "\\d") and argument:
        names, rows = _query_duckdb(settings, COLUMNS_SQL, {"name": argument})
        if not rows:
            console.print(f"error: no table or view {argument!r}; .tables lists them", markup=False)
            return False
        _print_rows(names, rows, "table")
    else:
        console.print(f"error: unknown command {command!r}; .help lists the commands", markup=False)
        return False
    return True


COMMANDS = [sql_shell]
