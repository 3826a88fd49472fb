"""A plain `dbt build` after raw lake partitions expired keeps the warehouse's older facts and costs.

Raw telemetry is kept for 30 days, LLM-call facts for 400 and FinOps marts for 7 years: a build
without a date window must rebuild only what the lake still holds, never wipe what it no longer has.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build

COSTS = (
    "select cost_date, sum(llm_call_count), sum(total_cost_usd) from finops.fct_llm_costs_daily "
    "group by all order by all"
)


def _rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_plain_build_after_lake_expiry_keeps_older_costs(tmp_path, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    settings = Settings.from_env(tmp_path / "data")
    generate(
        GeneratorConfig(
            out_dir=settings.inbox_dir,
            days=4,
            start_date=date(2026, 5, 1),
            tenants=3,
            requests_per_day=40,
            seed=5,
            include_claude_code=False,
        )
    )
    land(settings, settle_seconds=0)
    assert run_dbt_build(settings).success
    before = _rows(settings, COSTS)
    assert [r[0] for r in before] == [date(2026, 5, d) for d in (1, 2, 3, 4)]

    # The raw partitions of the first two days expire from the lake (as retention would do).
    for table_dir in settings.lake_dir.iterdir():
        for day in ("2026-05-01", "2026-05-02"):
            shutil.rmtree(table_dir / f"date={day}", ignore_errors=True)
    assert run_dbt_build(settings).success
    assert _rows(settings, COSTS) == before
