"""Budget alerts: a tenant projected over its budget for the month warns in Dagster and in `status`."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from dagster import AssetCheckSeverity, build_asset_check_context

from orchestration.defs.reports.checks import budget_projection_check
from orchestration.defs.resources import SpanledgerResource
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt, warehouse_write_lock
from tests.built_once import built_once, private_copy
from tests.reports.conftest import _build, add_contract, rebuild_chargeback
from tests.reports.test_docs_and_cli import _cli


@pytest.fixture
def tight_budget(tmp_path_factory) -> Settings:
    """February's budget of Umbrella set to 5 USD (its first 4 days cost about 1.5, projected straight to
    about 10 for the month)."""
    golden = built_once(tmp_path_factory, "reports-golden", _build)
    settings = Settings.from_env(private_copy(golden, tmp_path_factory.mktemp("budgets") / "data"))
    with warehouse_write_lock(settings), duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into reference.tenant_budgets values ('umbrella', date '2025-02-01', 5)")
    result = run_dbt(settings, ["build", "--select", "fct_spend_month_to_date"])  # no seeds: keeps the row
    assert result.success, result.output_tail
    return settings


def _check(settings: Settings):
    context = build_asset_check_context(
        resources={"spanledger": SpanledgerResource(data_dir=str(settings.data_dir))}
    )
    return budget_projection_check(context)


def test_no_alert_within_budget(warehouse) -> None:
    result = _check(warehouse)
    assert result.passed and result.metadata["tenants_over_budget"].value == 0
    proc = _cli(warehouse.data_dir, "status")
    assert proc.returncode == 0 and "budget:" not in proc.stdout


def _february_spend(settings: Settings) -> tuple[Decimal, Decimal]:
    """Umbrella's billed spend over the lake's February days (1 to 4), from the call-level model, and its
    straight-line projection to the 28 days of the month, worked out here."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (spend,) = con.execute(
            "select sum(billed_cost_usd) from intermediate.int_llm_calls_charged "
            "where tenant_id = 'umbrella' and call_date between date '2025-02-01' and date '2025-02-04'"
        ).fetchone()
    return spend, spend * 28 / 4


def test_projection_over_the_month_budget_warns(tight_budget) -> None:
    spend, projected = _february_spend(tight_budget)
    assert projected > 5  # the fixture's point: over the 5 USD budget
    expected = f"Umbrella (umbrella): projected ${projected:,.2f} for 2025-02 > budget $5.00"
    result = _check(tight_budget)
    assert not result.passed and result.severity == AssetCheckSeverity.WARN
    assert result.metadata["tenants_over_budget"].value == 1
    assert expected in result.metadata["tenants"].value
    proc = _cli(tight_budget.data_dir, "status")
    assert proc.returncode == 0, proc.stderr
    assert f"budget: {expected} (${spend:,.2f} up to 2025-02-04)" in proc.stdout


def test_daily_costs_and_budgets_are_after_contract_discounts(tmp_path_factory) -> None:
    """A 50% contract on Umbrella: the daily and monthly marts, the budget projection and the chargeback all
    bill half."""
    golden = built_once(tmp_path_factory, "reports-golden", _build)
    settings = Settings.from_env(private_copy(golden, tmp_path_factory.mktemp("contract-budgets") / "data"))
    add_contract(settings, "('openai', null, 'umbrella', 50, date '2025-01-01', null, 'half-price')")
    rebuild_chargeback(settings, "+fct_spend_month_to_date", "+fct_chargeback_monthly")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        ((daily_total, daily_discount, daily_billed),) = con.execute(
            "select sum(total_cost_usd), sum(contract_discount_usd), sum(billed_cost_usd) "
            "from finops.fct_llm_costs_daily where tenant_id = 'umbrella' and cost_date >= date '2025-02-01'"
        ).fetchall()
        ((month_to_date,),) = con.execute(
            "select month_to_date_cost_usd from finops.fct_spend_month_to_date "
            "where tenant_id = 'umbrella' and month_start_date = date '2025-02-01'"
        ).fetchall()
        ((chargeback,),) = con.execute(
            "select sum(billed_cost_usd) from finops.fct_chargeback_focus_monthly "
            "where tenant_id = 'umbrella' and billing_month_start_date = date '2025-02-01'"
        ).fetchall()
        ((monthly_total, monthly_discount, monthly_billed),) = con.execute(
            "select total_cost_usd, contract_discount_usd, billed_cost_usd from finops.fct_chargeback_monthly "
            "where tenant_id = 'umbrella' and month_start_date = date '2025-02-01'"
        ).fetchall()
    assert daily_discount > 0 and daily_billed == daily_total - daily_discount
    assert month_to_date == daily_billed == chargeback
    assert (monthly_total, monthly_discount, monthly_billed) == (daily_total, daily_discount, chargeback)
