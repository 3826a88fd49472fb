"""`spanledger query`: analysts' SQL (a string or a saved file) on the warehouse, read-only.

On DuckDB the SQL runs in the locked session of orchestration/warehouse/duckdb_sessions.py; on
BigQuery it is translated and checked by orchestration/warehouse/bigquery/query.py. Output values are
data: CSV cells follow orchestration/reports/safe_text.py, table cells are printed as plain text.

A saved query is found relative to the working directory first, then in the project's `sql/` folder
(SPANLEDGER_SQL_DIR, else the one next to this package), so `spanledger query sql/x.sql` works from any
folder.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from orchestration.commands.common import CliError, console, out

PROJECT_SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


def sql_dir() -> Path:
    """Where saved queries live: SPANLEDGER_SQL_DIR, else the project's sql/ folder."""
    return Path(os.environ.get("SPANLEDGER_SQL_DIR") or PROJECT_SQL_DIR).expanduser()


def saved_query_candidates(name: str) -> list[Path]:
    """Where `name` may be, in order: as given (relative to the working directory), then in sql_dir()
    (`x.sql` or `sql/x.sql`, as the README writes it from the repository root)."""
    given = Path(name).expanduser()
    if given.is_absolute():
        return [given]
    inside = Path(*given.parts[1:]) if given.parts[:1] == ("sql",) and len(given.parts) > 1 else given
    return [given, sql_dir() / inside]


def read_sql_argument(sql_or_file: str) -> tuple[str, Path | None]:
    """The SQL of the argument and the saved query's file (None when the argument itself is SQL)."""
    text = sql_or_file.strip()
    if not text.lower().endswith(".sql") or "\n" in text:
        return sql_or_file, None
    candidates = saved_query_candidates(text)
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8"), path
    if re.search(r"\s", text):  # SQL that happens to end in ".sql" (`… from t.sql`): the warehouse judges it
        return sql_or_file, None

    looked = ", ".join(str(p.resolve() if not p.is_absolute() else p) for p in candidates)
    raise CliError(f"file not found: {text} (looked for {looked})")


@click.command()
@click.argument("sql_or_file")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter the saved query declares in its header (e.g. --var tenant=acme-corp); `null` for none.",
)
@click.pass_context
def query(ctx, sql_or_file, fmt, variables) -> None:
    """Run SQL (a string or a saved .sql file) against the warehouse, read-only.

    The SQL is DuckDB's, with dbt's schemas (finops.…, reliability.…, evals.…, quality.…). Only statements that
    read run (SELECT, EXPLAIN, PRAGMA), and nothing outside the warehouse and its lake is readable. A
    .sql file is looked for in the working directory, then in the project's sql/ folder (or
    SPANLEDGER_SQL_DIR). With SPANLEDGER_WAREHOUSE=bigquery the same SQL runs on BigQuery: translated
    by sqlglot, the schemas become the datasets dbt builds there (<SPANLEDGER_BQ_DATASET>_finops, …).

    A saved query declares its parameters in its header (`--   $tenant text = null: …`); `--var`
    sets them, typed and bound (never spliced into the SQL).

    \b
    Examples:
      spanledger query sql/top_cost_drivers_this_month.sql
      spanledger query sql/tenant_cost_by_day.sql --var tenant=acme-corp --var from_date=2026-03-01
      spanledger query "select * from finops.fct_chargeback_monthly" --format csv
    """
    settings = ctx.obj["settings"]
    sql, saved = read_sql_argument(sql_or_file)
    parameters = _parameters(sql, saved, variables)
    if settings.warehouse == "bigquery":
        names, rows = _query_bigquery(sql, parameters)
    else:
        names, rows = _query_duckdb(settings, sql, {name: value for name, (_, value) in parameters.items()})
    _print_rows(names, rows, fmt)


def _parameters(sql: str, saved: Path | None, variables: tuple[str, ...]) -> dict[str, tuple[str, object]]:
    """name → (BigQuery type, typed value) of each parameter the SQL uses."""
    from orchestration.commands.query_parameters import (
        ParameterError,
        bind,
        declared_parameters,
        parse_var_options,
    )

    if saved is None:
        if variables:
            raise CliError(
                "--var sets the parameters a saved query declares in its header; in a query string, "
                "write the values (see sql/tenant_cost_by_day.sql for a query with parameters)"
            )
        return {}
    name = saved.name
    try:
        declared = declared_parameters(sql, name)
        values = bind(declared, used_parameters(sql), parse_var_options(variables), name)
    except ParameterError as err:
        raise CliError(str(err)) from None
    types = {p.name: p.bigquery_type for p in declared}
    return {key: (types[key], value) for key, value in values.items()}


def used_parameters(sql: str) -> set[str]:
    """The `$name` parameters of the SQL (DuckDB's parser decides; unparsable SQL: none)."""
    import duckdb

    try:
        return {name for s in duckdb.extract_statements(sql) for name in s.named_parameters}
    except duckdb.Error:
        return set()


def _query_duckdb(settings, sql: str, parameters: dict | None = None) -> tuple[list[str], list[tuple]]:
    import duckdb

    from orchestration.warehouse.duckdb_sessions import NotAQueryError, check_reads_only, open_for_analysts

    if not settings.warehouse_path.exists():
        from orchestration.landing.origin import next_step_hint

        raise CliError(f"no warehouse at {settings.warehouse_path}; next: {next_step_hint(settings)}")
    try:
        check_reads_only(sql)
    except NotAQueryError as err:
        raise CliError(f"query refused: {err}") from None
    try:
        con = open_for_analysts(settings)
    except duckdb.Error as err:
        raise CliError(f"cannot open the warehouse: {err}") from None
    try:
        cursor = con.execute(sql, parameters or None)
        names = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    except duckdb.PermissionException as err:
        raise CliError(_outside_the_warehouse(str(err))) from None
    except duckdb.Error as err:
        raise CliError(f"query failed: {str(err).splitlines()[0]}") from None
    finally:
        con.close()
    return names, rows


def _outside_the_warehouse(message: str) -> str:
    target = re.search(r'"([^"]*)"', message)
    return (
        f"query refused: {target.group(1) if target else 'that'} is outside what `spanledger query` reads "
        "(the warehouse and its lake). Restricted prompt/response content is read, with an audit "
        "entry, by `spanledger content show --reason …`"
    )


def _query_bigquery(sql: str, parameters: dict | None = None) -> tuple[list[str], list[tuple]]:
    """The same (DuckDB) SQL, translated by sqlglot and qualified with dbt's BigQuery datasets;
    parameters (name → (type, value)) become BigQuery query parameters."""
    from orchestration.warehouse.bigquery.config import BigQueryConfig
    from orchestration.warehouse.bigquery.query import QueryError, run_query

    try:
        result = run_query(sql, BigQueryConfig.from_env(), parameters=parameters)
    except (QueryError, ValueError) as err:
        raise CliError(f"query failed on BigQuery: {err}") from None
    return result.names, result.rows


def _print_rows(names: list[str], rows: list[tuple], fmt: str) -> None:
    """Values are data, not markup or formulas: CSV cells per safe_text.py, table cells as plain text."""
    from orchestration.terminal_tables import print_rows, write_csv

    if fmt == "csv":
        write_csv(sys.stdout, names, rows)
    elif fmt == "json":
        out.print_json(json.dumps([dict(zip(names, r, strict=True)) for r in rows], default=str))
    else:
        print_rows(out, names, rows)
        console.print(f"{len(rows)} rows")


COMMANDS = [query]
