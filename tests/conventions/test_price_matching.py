"""Prices found under the model and provider names real telemetry carries (issue 21): dated snapshots,
router prefixes, gateways, Bedrock profiles and ARNs, Vertex paths, Azure deployments; each call says
how it was matched, and a name nothing sound matches stays unpriced."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from orchestration.settings import Settings
from tests.conventions.conftest import rows
from tests.conventions.model_names import CASES, TOKENS


def _list_price(provider: str, model: str) -> Decimal:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        usage = Usage(input_tokens=TOKENS["input"], output_tokens=TOKENS["output"])
        return Decimal(str(calc_price(usage, model_ref=model, provider_id=provider).total_price))


@pytest.fixture(scope="module")
def priced(instrumented_warehouse: Settings) -> dict[str, dict]:
    found = rows(
        instrumented_warehouse,
        """
        select tenant_id, price_match_kind, is_cost_estimated, calculated_cost_usd, is_unpriced, cost_source
        from intermediate.int_llm_calls_priced where tenant_id like 'names-%'
        """,
    )
    return {r["tenant_id"]: r for r in found}


@pytest.mark.parametrize("n", range(len(CASES)), ids=[c.request_model or c.response_model for c in CASES])
def test_real_world_model_names_find_their_price(priced: dict[str, dict], n: int) -> None:
    case, call = CASES[n], priced[f"names-{n}"]
    if case.priced_as is None:
        assert call["is_unpriced"] and call["cost_source"] == "unpriced"
        assert call["price_match_kind"] is None and call["calculated_cost_usd"] is None
        return
    assert call["price_match_kind"] == case.kind
    assert call["is_cost_estimated"] is case.estimated
    assert call["calculated_cost_usd"] == _list_price(*case.priced_as)
