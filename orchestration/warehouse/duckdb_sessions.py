"""Sessions on the DuckDB warehouse: where its views find the lake.

The staging views read the lake (and the compliance export) at a path each session supplies, never
one written into the warehouse: `read_parquet(getvariable('spanledger_data_dir') || '/lake/spans/…')`
(the sources' `external_location`). So a data directory that is copied or moved reads its own lake,
not the original's, and no path is ever spliced into SQL text, whatever characters it holds.

Every session that reads the views sets the variable: dbt's through the plugin in `dbt_plugin.py`
(profiles.yml), ours through `open_warehouse`. Any other DuckDB client runs
`SET VARIABLE spanledger_data_dir = '<data dir>'` first; without it a view names the missing step.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.settings import Settings

DATA_DIR_VARIABLE = "spanledger_data_dir"


def set_data_dir(con: duckdb.DuckDBPyConnection, data_dir: Path | str) -> None:
    """Point this session's views at `data_dir` (a bound parameter: no quoting of the path)."""
    con.execute(f"set variable {DATA_DIR_VARIABLE} = ?", [str(Path(data_dir).resolve())])


def open_warehouse(settings: Settings, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """The data directory's warehouse, its views reading the data directory's own lake."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=read_only)
    try:
        set_data_dir(con, settings.data_dir)
    except BaseException:
        con.close()
        raise
    return con
