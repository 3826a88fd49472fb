"""Sessions on the DuckDB warehouse: where its views find the lake, and the locked session of analysts.

The staging views read the lake (and the compliance export) at a path each session supplies, never
one written into the warehouse: `read_parquet(getvariable('spanledger_data_dir') || '/lake/spans/…')`
(the sources' `external_location`). So a data directory that is copied or moved reads its own lake,
not the original's, and no path is ever spliced into SQL text, whatever characters it holds.

The variable holds the directory as a glob prefix (`[`, `*` and `?` bracketed, as DuckDB's globs read
them literally): both the lake and the compliance export are read through read_parquet's globbing.

Every session that reads the views sets the variable: dbt's through the plugin in `dbt_plugin.py`
(profiles.yml), `spanledger query`'s through `open_for_analysts`. Any other DuckDB client runs
`SET VARIABLE spanledger_data_dir = '<data dir>'` first; without it a view names the missing step.

Analysts' SQL (`spanledger query`) runs in a session that can neither change nor read anything but the
warehouse: the file opened read-only; DuckDB's external access off except for exactly what the views
read (the lake's folder and the four compliance export files; nothing else of state/, nothing of
restricted/, nothing outside the data directory); no extension installed or loaded on demand; then the configuration locked, so the SQL cannot
`SET` any of it back. `allowed_directories` lets DuckDB write there too (COPY … TO a lake file), so only
statements that read run at all (`check_reads_only`, by DuckDB's own parser).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from orchestration.settings import Settings

DATA_DIR_VARIABLE = "spanledger_data_dir"
COMPLIANCE_EXPORTS = ("erased_subjects", "erasure_requests", "retention_policy", "erased_usage")
READING_STATEMENTS = {
    duckdb.StatementType.SELECT: "SELECT",  # also DESCRIBE, SHOW, SUMMARIZE, FROM …, VALUES
    duckdb.StatementType.EXPLAIN: "EXPLAIN",
    duckdb.StatementType.PRAGMA: "PRAGMA",  # show_tables, table_info; the locked settings refuse the rest
}


class NotAQueryError(ValueError):
    """The SQL holds a statement that is not a query (COPY, ATTACH, SET, INSTALL, CREATE, …)."""


def glob_literal(path: str) -> str:
    """`path` as a glob pattern that matches only itself."""
    return re.sub(r"([\[*?])", r"[\1]", path)


def set_data_dir(con: duckdb.DuckDBPyConnection, data_dir: Path | str) -> None:
    """Point this session's views at `data_dir` (a bound parameter: no quoting of the path)."""
    con.execute(f"set variable {DATA_DIR_VARIABLE} = ?", [glob_literal(str(Path(data_dir).resolve()))])


def analyst_readable(settings: Settings) -> tuple[list[str], list[str]]:
    """What the views read: (folders, files). The folder ends with a slash: DuckDB matches prefixes.

    DuckDB checks a glob pattern before it expands it, then each file it expands to: each path is
    allowed as itself and as the pattern the views build from it (identical unless it holds `[*?`).
    """
    lake = str(settings.lake_dir.resolve())
    exports = [
        str(settings.state_dir.resolve() / f"compliance-export-{name}.parquet") for name in COMPLIANCE_EXPORTS
    ]
    folders = list(dict.fromkeys([f"{lake}/", f"{glob_literal(lake)}/"]))
    return folders, list(dict.fromkeys(exports + [glob_literal(p) for p in exports]))


def open_for_analysts(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, reading nothing but itself and its lake, with its settings locked.

    Global settings apply to the DuckDB instance: the distinct config keeps this session from sharing
    one with another connection of the process (DuckDB refuses rather than mixing the two).
    """
    folders, files = analyst_readable(settings)
    con = duckdb.connect(
        str(settings.warehouse_path),
        read_only=True,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        set_data_dir(con, settings.data_dir)
        con.execute("set allowed_directories = ?", [folders])
        con.execute("set allowed_paths = ?", [files])
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def check_reads_only(sql: str) -> None:
    """Raise NotAQueryError unless every statement of `sql` only reads (DuckDB's parser decides)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return  # not SQL DuckDB can parse: executing it reports the parser's own error
    for n, statement in enumerate(statements, start=1):
        if statement.type not in READING_STATEMENTS:
            kind = statement.type.name
            where = f"statement {n} is" if len(statements) > 1 else "this is"
            raise NotAQueryError(
                f"{where} {kind} ({statement.query.strip()[:60]!r}): `spanledger query` runs only "
                f"{', '.join(READING_STATEMENTS.values())} statements and changes nothing; save results "
                "with --format csv|json"
            )
