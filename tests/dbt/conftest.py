"""A real lake (pyarrow Parquet) and a real `dbt build` into a real DuckDB file, once per test run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.built_once import built_once, private_copy
from tests.dbt.lake_fixture import build_rows, write_lake

MART_SCHEMAS = ("intermediate", "finops", "reliability", "evals", "quality")


def _build(data_dir: Path) -> None:
    write_lake(data_dir / "lake", build_rows())
    result = run_dbt_build(Settings.from_env(data_dir))
    assert result.success, f"dbt build failed: {result.summary} {result.failures}\n{result.output_tail}"


@pytest.fixture(scope="session")
def golden_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The build shared by every worker, with dbt's manifest; read it, never change it."""
    return Settings.from_env(built_once(tmp_path_factory, "dbt-golden", _build))


@pytest.fixture(scope="session")
def built_warehouse(golden_warehouse: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Built once per run; each worker changes its own copy (tests rebuild and rerun partitions)."""
    return Settings.from_env(
        private_copy(golden_warehouse.data_dir, tmp_path_factory.mktemp("spanledger") / "data")
    )


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
