"""A real lake (pyarrow Parquet) and a real `dbt build` into a real DuckDB file, once per session."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.dbt.lake_fixture import build_rows, write_lake

MART_SCHEMAS = ("intermediate", "finops", "reliability", "evals")


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("spanledger")
    write_lake(data_dir / "lake", build_rows())
    settings = Settings.from_env(data_dir)
    result = run_dbt_build(settings)
    assert result.success, f"dbt build failed: {result.summary} {result.failures}\n{result.output_tail}"
    return settings


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every table of the intermediate and mart schemas, rows sorted: equal snapshots = equal marts."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {MART_SCHEMAS} and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {f"{s}.{t}": con.execute(f"select * from {s}.{t} order by all").fetchall() for s, t in tables}
