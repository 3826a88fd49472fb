"""Service tiers and long-context prices, end to end: OTLP spans naming a service tier or a long prompt are
landed, built by dbt and charged back at the tier's price, with ListCost at the standard list price.

Prices (genai-prices 0.2.3, bundled; the variants apply from 2026-10-12/14), USD per million tokens:
gpt-5 standard 1.25 in / 10 out, flex 0.625 / 5, priority 2.5 / 20; claude-sonnet-4-5 standard 3 / 15,
above 200k input tokens 6 / 22.5, batch 1.5 / 7.5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.landing import land
from orchestration.reports.chargeback import Month
from orchestration.reports.publish import make_chargeback_report
from orchestration.reports.reconcile import reconcile
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import date_vars
from tests.built_once import built_once, private_copy
from tests.compliance.late_telemetry import export
from tests.reports.conftest import _build, rebuild_chargeback

DAY = date(2026, 11, 10)
MONTH = Month(date(2026, 11, 1))
TENANT = "tiered"

# trace → (provider, model, input tokens, output tokens, tier attributes)
CALLS = {
    "flex": ("openai", "gpt-5", 1_000_000, 100_000, {"openai.response.service_tier": "flex"}),
    # the request asked for priority; the deprecated request key is read too
    "priority": ("openai", "gpt-5", 1_000_000, 100_000, {"gen_ai.openai.request.service_tier": "priority"}),
    # asked for flex, served as default: the response's tier wins
    "served_default": (
        "openai",
        "gpt-5",
        1_000_000,
        100_000,
        {"openai.request.service_tier": "flex", "openai.response.service_tier": "default"},
    ),
    "long_context": ("anthropic", "claude-sonnet-4-5", 300_000, 10_000, {}),
    "batch": ("anthropic", "claude-sonnet-4-5", 100_000, 10_000, {"openai.response.service_tier": "batch"}),
}

# trace → (service tier, list cost, cost paid), worked by hand from the prices above
EXPECTED = {
    "flex": ("flex", Decimal("2.25"), Decimal("1.125")),  # 1M x 1.25 + 0.1M x 10; 1M x 0.625 + 0.1M x 5
    "priority": ("priority", Decimal("2.25"), Decimal("4.5")),  # 1M x 2.5 + 0.1M x 20
    "served_default": ("standard", Decimal("2.25"), Decimal("2.25")),
    # 300k > 200k: the whole call at the long-context rate, 0.3M x 6 + 0.01M x 22.5
    "long_context": ("standard", Decimal("2.025"), Decimal("2.025")),
    "batch": ("batch", Decimal("0.45"), Decimal("0.225")),  # 0.1M x 3 + 0.01M x 15; 0.1M x 1.5 + 0.01M x 7.5
}


def _span(
    index: int, trace: str, provider: str, model: str, tokens_in: int, tokens_out: int, extra: dict
) -> dict:
    start = int(datetime(DAY.year, DAY.month, DAY.day, 12, 0, index, tzinfo=UTC).timestamp() * 1e9)
    attributes = {
        "gen_ai.provider.name": provider,
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "tenant.id": TENANT,
        "app.feature": trace,
        **extra,
    }
    values = [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()]
    values += [
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(tokens_in)}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(tokens_out)}},
    ]
    return {
        "traceId": f"{0x71E5 + index:032x}",
        "spanId": f"{0x71E5 + index:016x}",
        "name": f"chat {model}",
        "kind": 3,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + 1_000_000_000),
        "attributes": values,
    }


@pytest.fixture(scope="module")
def tiered(tmp_path_factory) -> Settings:
    golden = built_once(tmp_path_factory, "reports-golden", _build)
    settings = Settings.from_env(private_copy(golden, tmp_path_factory.mktemp("tiers") / "data"))
    spans = [_span(i, trace, *call) for i, (trace, call) in enumerate(CALLS.items())]
    export(settings.inbox_dir / "service-tiers.jsonl", spans)
    land(settings, settle_seconds=0)
    rebuild_chargeback(settings, exclude="resource_type:test", vars=date_vars(DAY, DAY))
    return settings


def _query(settings: Settings, sql: str, params: list) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_each_call_pays_its_tier_and_size_with_list_cost_at_standard(tiered) -> None:
    rows = _query(
        tiered,
        "select feature, service_tier, input_list_cost_usd + cached_input_list_cost_usd + cache_write_list_cost_usd"
        " + output_list_cost_usd + reasoning_list_cost_usd, calculated_cost_usd, billed_cost_usd,"
        " service_tier_savings_usd from intermediate.int_llm_calls_charged where tenant_id = ?",
        [TENANT],
    )
    got = {feature: (tier, list_cost, paid) for feature, tier, list_cost, paid, billed, _ in rows}
    assert got == EXPECTED
    for feature, _, list_cost, paid, billed, savings in rows:
        assert billed == paid and savings == list_cost - paid, feature


def test_priced_calls_say_how_the_tier_was_priced(tiered) -> None:
    rows = dict(
        _query(
            tiered,
            "select feature, service_tier_price_kind || '/' || long_context_input_tokens_above"
            " from intermediate.int_llm_calls_priced where tenant_id = ?",
            [TENANT],
        )
    )
    assert rows == {
        "flex": "price_table/0",
        "priority": "price_table/0",
        "served_default": "standard/0",
        "long_context": "standard/200000",
        "batch": "price_table/0",
    }


def test_chargeback_lines_split_by_tier_and_reconcile(tiered, tmp_path) -> None:
    lines = _query(
        tiered,
        "select service_tier, sum(list_cost_usd), sum(billed_cost_usd) from finops.fct_chargeback_focus_monthly"
        " where tenant_id = ? and billing_month_start_date = ? group by 1 order by 1",
        [TENANT, MONTH.start],
    )
    assert lines == [
        ("batch", Decimal("0.45"), Decimal("0.225")),
        ("flex", Decimal("2.25"), Decimal("1.125")),
        ("priority", Decimal("2.25"), Decimal("4.5")),
        ("standard", Decimal("4.275"), Decimal("4.275")),
    ]
    report = make_chargeback_report(tiered.warehouse_path, MONTH, tmp_path)
    assert reconcile(tiered.warehouse_path, MONTH, report.csv) == []
    text = report.csv.read_text()
    assert "openai/gpt-5/input/flex" in text and ",batch," in text
