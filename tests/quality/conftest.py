"""A generated, landed lake shared by the quality tests; tests that change it work on a copy."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.settings import Settings

FIRST_DAY = date(2025, 3, 1)
DAYS = 6


def generated_lake(
    data_dir: Path, days: int = DAYS, requests_per_day: int = 60, first_day: date = FIRST_DAY
) -> Settings:
    settings = Settings.from_env(data_dir)
    generate(
        GeneratorConfig(
            out_dir=settings.inbox_dir,
            days=days,
            start_date=first_day,
            tenants=3,
            requests_per_day=requests_per_day,
            seed=11,
        )
    )
    report = land(settings, settle_seconds=0)
    assert report.records_quarantined == 0
    return settings


@pytest.fixture(scope="session")
def clean_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return generated_lake(tmp_path_factory.mktemp("quality") / "data")


@pytest.fixture
def lake(clean_lake: Settings, tmp_path: Path) -> Settings:
    """A private copy of the generated lake (and manifest) to plant defects in."""
    target = tmp_path / "data"
    shutil.copytree(clean_lake.data_dir, target, ignore=shutil.ignore_patterns("inbox"))
    return Settings.from_env(target)


def last_day() -> str:
    from datetime import timedelta

    return (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat()


def rewrite_partition(settings: Settings, table: str, day: str, change) -> int:
    """Apply `change(pyarrow.Table) -> pyarrow.Table` to every file of a partition; returns rows after."""
    rows = 0
    for path in sorted((settings.table_dir(table) / f"date={day}").glob("*.parquet")):
        original = pq.read_table(path)
        changed = change(original).cast(original.schema)
        pq.write_table(changed, path)
        rows += changed.num_rows
    return rows
