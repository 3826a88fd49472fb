"""One generated, landed and built data directory per test session ("golden"), copied by each test.

Generated for fixed dates (2026-03-01 .. 03-06) with content capture on, so restricted content
exists; every dbt run passes `compliance_today` so the retention tests judge against those dates.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import GeneratorConfig, generate, write_summary
from orchestration.lake.privacy import SubjectHasher
from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt
from tests.built_once import built_once, private_copy

START = date(2026, 3, 1)
DAYS = 6
TODAY = "2026-03-08"  # the fake clock of every dbt run here
DBT_VARS = {"compliance_today": TODAY}
REPO = Path(__file__).resolve().parents[2]


def settings_for(data_dir: Path) -> Settings:
    return Settings.from_env(data_dir)


def _build_golden(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    summary = generate(
        GeneratorConfig(
            out_dir=settings.inbox_dir, days=DAYS, start_date=START, tenants=3, requests_per_day=120, seed=11
        )
    )
    write_summary(summary, data_dir / "summary.json")
    # content kept for 400 days (not the default 7) so that it is still readable by `content show` today
    land(dataclasses.replace(settings, store_content=True, content_ttl_days=400), settle_seconds=0)
    result = run_dbt(settings, ["build"], vars=DBT_VARS)
    assert result.success, f"{result.summary} {result.failures}\n{result.output_tail}"


@pytest.fixture(scope="session")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per run, shared by xdist workers, never modified by tests."""
    return built_once(tmp_path_factory, "compliance-golden", _build_golden)


@pytest.fixture
def data_dir(golden: Path, tmp_path: Path) -> Path:
    return private_copy(golden, tmp_path / "data")


def subject_of(data_dir: Path, min_days: int = 4) -> tuple[str, str]:
    """A generated app user (raw id, hash) whose rows span many days and tables."""
    summary = json.loads((data_dir / "summary.json").read_text())
    hasher = SubjectHasher(settings_for(data_dir).hmac_key)
    pattern = str(data_dir / "lake" / "spans" / "*" / "*.parquet")
    with duckdb.connect() as con:
        days = dict(
            con.execute(
                f"select user_hash, count(distinct date) from read_parquet('{pattern}', "
                "hive_partitioning=true) group by 1"
            ).fetchall()
        )
    candidates = [(days.get(hasher(u), 0), u) for u in summary["user_ids"] if u.startswith("user-")]
    n, raw = max(candidates)
    assert n >= min_days, candidates[:5]
    return raw, hasher(raw)


def spanledger(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "spanledger"), "--data-dir", str(data_dir), *args]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
        env={**os.environ, **(env or {}), "COLUMNS": "200"},
    )
    if check:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def warehouse_tables(path: Path) -> list[tuple[str, str, list[str]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            (s, t, cols)
            for s, t, cols in con.execute(
                "select table_schema, table_name, list(column_name) from information_schema.columns "
                "join information_schema.tables using (table_catalog, table_schema, table_name) "
                "where table_type = 'BASE TABLE' and table_catalog = current_database() group by all"
            ).fetchall()
        ]
