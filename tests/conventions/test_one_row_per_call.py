"""Every provider call counted once, with every token class and its cost, when the provider SDK's own
telemetry and an instrumentation library trace the same client (issue 21).

The numbers to match are the fake API's ledger: what it billed, per tenant and provider. The cost is
genai-prices' own `calc_price` on the billed usage, not the warehouse's formula.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from orchestration.settings import Settings
from tests.conventions.conftest import rows
from tests.conventions.fake_provider_api import SNAPSHOTS

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _billed_usage(entry: dict) -> Usage:
    usage = entry["usage"]
    if entry["provider"] == "anthropic":  # Anthropic counts cached input apart; genai-prices takes the total
        cached = usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"]
        return Usage(
            input_tokens=usage["input_tokens"] + cached,
            cache_write_tokens=usage["cache_creation_input_tokens"],
            cache_read_tokens=usage["cache_read_input_tokens"],
            output_tokens=usage["output_tokens"],
        )
    return Usage(
        input_tokens=usage["prompt_tokens"],
        cache_read_tokens=usage["prompt_tokens_details"]["cached_tokens"],
        output_tokens=usage["completion_tokens"],
    )


def _expected(billed: list[dict]) -> dict[tuple[str, str], dict]:
    totals: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(int))
    for entry in billed:
        total = totals[(entry["tenant"], entry["provider"])]
        total["calls"] += 1
        if entry["status"] != 200:
            total["failed"] += 1
            continue
        usage = _billed_usage(entry)
        reasoning = (entry["usage"].get("completion_tokens_details") or {}).get("reasoning_tokens", 0)
        total["input_tokens"] += usage.input_tokens
        total["cache_read_tokens"] += usage.cache_read_tokens or 0
        total["cache_write_tokens"] += usage.cache_write_tokens or 0
        total["output_tokens"] += usage.output_tokens
        total["reasoning_tokens"] += reasoning
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            price = calc_price(usage, model_ref=SNAPSHOTS.get(entry["model"], entry["model"]),
                               provider_id=entry["provider"])  # fmt: skip
        total["cost_usd"] += Decimal(str(price.total_price))
    return {key: dict(value) for key, value in totals.items()}


def test_calls_tokens_and_cost_equal_what_the_api_billed(
    instrumented_warehouse: Settings, billed: list[dict]
) -> None:
    found = rows(
        instrumented_warehouse,
        """
        select tenant_id, provider_id, count(*) as calls, count_if(is_error) as failed,
               sum(input_tokens) as input_tokens, sum(cache_read_tokens) as cache_read_tokens,
               sum(cache_write_tokens) as cache_write_tokens, sum(output_tokens) as output_tokens,
               sum(reasoning_tokens) as reasoning_tokens, sum(cost_usd) as cost_usd,
               count_if(is_unpriced) as unpriced
        from intermediate.int_llm_calls_priced
        where tenant_id in ('acme', 'globex')
        group by all
        """,
    )
    actual = {(r.pop("tenant_id"), r.pop("provider_id")): r for r in found}
    expected = _expected(billed)
    assert set(actual) == set(expected)
    for key, want in expected.items():
        got = actual[key]
        assert got["unpriced"] == 0, key
        for column, value in want.items():
            assert got[column] == value, (key, column, got[column], value)


def test_each_call_is_merged_from_both_instrumentations(instrumented_warehouse: Settings) -> None:
    merged = rows(
        instrumented_warehouse,
        """
        select merged_sources, observation_count, count(*) as calls
        from intermediate.int_llm_calls_priced where tenant_id in ('acme', 'globex') group by all
        """,
    )
    assert {r["observation_count"] for r in merged} == {2}
    sources = {r["merged_sources"] for r in merged}
    assert sources == {
        "openllmetry:opentelemetry.instrumentation.anthropic, provider_sdk:com.anthropic.sdk.python",
        "openinference:openinference.instrumentation.anthropic, provider_sdk:com.anthropic.sdk.python",
        "openinference:openinference.instrumentation.openai, otel_official:opentelemetry.instrumentation.openai_v2",
    }
    # the observations are all there one level down: two per call
    observed = rows(
        instrumented_warehouse,
        "select count(*) as n from intermediate.int_llm_calls_normalized where tenant_id in ('acme', 'globex')",
    )
    assert observed[0]["n"] == 2 * sum(r["calls"] for r in merged)


def test_the_daily_mart_reconciles_with_the_calls(
    instrumented_warehouse: Settings, billed: list[dict]
) -> None:
    mart = rows(
        instrumented_warehouse,
        """
        select tenant_id, provider, sum(llm_call_count) as calls, sum(total_cost_usd) as cost_usd
        from finops.fct_llm_costs_daily where tenant_id in ('acme', 'globex') group by all
        """,
    )
    expected = _expected(billed)
    assert {(r["tenant_id"], r["provider"]): (r["calls"], r["cost_usd"]) for r in mart} == {
        key: (value["calls"], value["cost_usd"]) for key, value in expected.items()
    }
