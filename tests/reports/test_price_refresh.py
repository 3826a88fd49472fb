"""`spanledger prices refresh` shows what new prices change per tenant and open month before it publishes.

The warehouse and its seeds are made to hold an older price list (gpt-4o-mini input at twice today's
price); the refresh (today's genai-prices) reprices a scratch copy of the DuckDB warehouse and prints each
tenant's month before and after (on BigQuery: tests/bigquery/test_dbt_bigquery_chargeback.py). The printed "after" must be what the marts say once the new prices are built for real, and
nothing is published without --yes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings
from tests.built_once import built_once, private_copy
from tests.reports.conftest import _build
from tests.reports.price_change import SEEDS, old_seeds, printed_diff, reprice_duckdb
from tests.reports.test_docs_and_cli import _cli


def _tenant_months(settings: Settings) -> dict[tuple[str, str], Decimal]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select strftime(billing_month_start_date, '%Y-%m'), tenant_id, sum(billed_cost_usd) "
            "from finops.fct_chargeback_focus_monthly where not is_month_closed group by 1, 2"
        ).fetchall()
    return {(month, tenant): cost for month, tenant, cost in rows}


@pytest.fixture(scope="module")
def old_prices(tmp_path_factory) -> tuple[Settings, Path]:
    golden = built_once(tmp_path_factory, "reports-golden", _build)
    settings = Settings.from_env(private_copy(golden, tmp_path_factory.mktemp("refresh") / "data"))
    seeds = old_seeds(tmp_path_factory.mktemp("live-seeds"))
    reprice_duckdb(settings, "* 2")  # the warehouse as built with those seeds
    return settings, seeds


def test_refresh_prints_the_change_per_tenant_and_month_then_publishes_with_yes(old_prices) -> None:
    settings, seeds = old_prices
    before = _tenant_months(settings)
    proc = _cli(settings.data_dir, "prices", "refresh", "--yes", "--seeds-dir", str(seeds))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    printed = printed_diff(proc.stdout)
    assert set(printed) == set(before)
    assert (
        "published" in proc.stdout
        and (seeds / "model_prices.csv").read_bytes() == (SEEDS / "model_prices.csv").read_bytes()
    )

    # the new prices built for real: the marts say what the refresh printed
    reprice_duckdb(settings, "/ 2")
    after = _tenant_months(settings)
    lower = 0
    for key, row in printed.items():
        old, new, change = (Decimal(row[c]) for c in ("old_cost_usd", "new_cost_usd", "change_usd"))
        assert (old, new, change) == (before[key], after[key], after[key] - before[key]), key
        lower += change < 0
    assert lower > 0  # gpt-4o-mini's input got cheaper for someone


def test_refresh_without_a_terminal_refuses_before_any_work(old_prices, tmp_path) -> None:
    settings, _ = old_prices
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "model_prices.csv").write_text("stale\n")
    proc = _cli(settings.data_dir, "prices", "refresh", "--seeds-dir", str(seeds))
    assert proc.returncode == 2
    assert (
        "no terminal to confirm on" in proc.stderr and "--dry-run" in proc.stderr and "--yes" in proc.stderr
    )
    assert [p.name for p in seeds.iterdir()] == ["model_prices.csv"]
    assert (seeds / "model_prices.csv").read_text() == "stale\n"
