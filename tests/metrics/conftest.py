"""The hand-worked metric lake built into a real warehouse once per run (real Parquet, real dbt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.built_once import built_once
from tests.metrics.metric_fixture import hand_worked_lake


def _build(data_dir: Path) -> None:
    hand_worked_lake().write(data_dir / "lake")
    result = run_dbt_build(Settings.from_env(data_dir))
    assert result.success, f"dbt build failed: {result.summary} {result.failures}\n{result.output_tail}"


@pytest.fixture(scope="session")
def metric_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Shared by every worker; read it, never change it (copy it with private_copy)."""
    return Settings.from_env(built_once(tmp_path_factory, "metrics-hand-worked", _build))
