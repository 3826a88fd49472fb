"""One real lake of Claude Code activity (written, plus one landed OTLP export) + catalog snapshots + a
real `dbt build`, shared by the skills tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.built_once import built_once
from tests.skills import tool_details_export
from tests.skills.fixture import activity, catalog


def _build(data_dir: Path) -> None:
    settings = Settings.from_env(data_dir)
    activity().write(settings.lake_dir)
    tool_details_export.export(settings.inbox_dir)  # landed for real: tool input with a secret in it
    report = land(settings, settle_seconds=0)
    assert report.records_landed == report.records_in == 9, report
    catalog(settings, data_dir.parent / "repo")
    result = run_dbt_build(settings)
    assert result.success, f"dbt build failed: {result.summary} {result.failures}\n{result.output_tail}"


@pytest.fixture(scope="session")
def skills_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(built_once(tmp_path_factory, "skills-warehouse", _build))
