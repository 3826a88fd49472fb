"""The user's story: generate → land → build, then the marts agree with what the generator wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.dbt.conftest import query

pytestmark = pytest.mark.slow


def _spanledger(data_dir: Path, *args: str) -> None:
    cmd = [sys.executable, "-m", "orchestration.cli", "--data-dir", str(data_dir), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict]:
    data_dir = tmp_path_factory.mktemp("generated")
    summary = data_dir / "summary.json"
    _spanledger(data_dir, "generate", "--days", "2", "--requests-per-day", "80", "--summary", str(summary))
    _spanledger(data_dir, "land", "--settle-seconds", "0")
    settings = Settings.from_env(data_dir)
    result = run_dbt_build(settings)
    assert result.success, f"{result.summary} {result.failures}\n{result.output_tail}"
    return settings, json.loads(summary.read_text())


def test_marts_match_the_generator(generated: tuple[Settings, dict]) -> None:
    settings, truth = generated
    (requests,) = query(settings, "select count(*) from intermediate.int_requests_summarized")[0]
    assert requests == truth["requests"]
    spans = query(
        settings,
        "select count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), "
        "sum(cache_write_tokens), sum(reasoning_tokens), coalesce(sum(reported_cost_usd), 0), "
        "count(reported_cost_usd), sum(is_error::int), sum((not has_price)::int) "
        "from intermediate.int_llm_calls_priced where call_source = 'span' and call_type = 'generation'",
    )[0]
    assert spans[:6] == (
        truth["llm_calls"],
        truth["input_tokens"],
        truth["output_tokens"],
        truth["cache_read_tokens"],
        truth["cache_write_tokens"],
        truth["reasoning_tokens"],
    )
    assert Decimal(spans[6]) == Decimal(truth["reported_cost_usd"])
    assert spans[7:] == (
        truth["reported_cost_calls"],
        truth["llm_error_calls"],
        truth["unpriced_model_calls"],
    )

    # ...although the generator traces some calls twice (the Anthropic SDK's own spans beside the app's),
    # sends some through a LiteLLM gateway and writes one service with the Vercel AI SDK (outer spans
    # that sum their steps): each of these is in the data and counted once
    twice, gateway, gateway_unpriced, gateway_misrouted, vercel = query(
        settings,
        "select count_if(observation_count = 2), count_if(provider_name = 'litellm'), "
        "count_if(provider_name = 'litellm' and has_price = false), "
        # a gateway call is the provider's its router prefix names (the generator writes provider/model)
        "count_if(provider_name = 'litellm' and (provider_id is distinct from split_part(request_model, '/', 1) "
        "or price_provider is distinct from provider_id)), "
        "count_if(llm_convention = 'vercel_ai') from intermediate.int_llm_calls_priced",
    )[0]
    assert twice > 0 and gateway > 0 and vercel > 0
    assert gateway_unpriced == 0 and gateway_misrouted == 0
    (outer_spans,) = query(
        settings,
        "select count(*) from intermediate.int_spans_attributed where vercel_operation_id in ('ai.generateText', 'ai.streamText')",
    )[0]
    assert outer_spans == vercel

    cc = truth["claude_code"]
    claude = query(
        settings,
        "select count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd) "
        "from intermediate.int_llm_calls_priced where llm_convention = 'claude_code'",
    )[0]
    assert claude[:3] == (
        cc["api_requests"],
        cc["input_tokens"] + cc["cache_read_tokens"] + cc["cache_creation_tokens"],
        cc["output_tokens"],
    )
    assert Decimal(claude[3]) == Decimal(cc["cost_usd"])

    # the daily mart adds up to the same totals
    mart = query(settings, "select sum(llm_call_count), sum(output_tokens) from finops.fct_llm_costs_daily")[
        0
    ]
    embeddings = truth.get("embedding_calls", 0)
    assert mart == (
        truth["llm_calls"] + embeddings + cc["api_requests"],
        truth["output_tokens"] + cc["output_tokens"],
    )


def test_quality_marts_show_what_the_generator_planted(generated: tuple[Settings, dict]) -> None:
    """The demo's quality story (generator/quality_scenarios.py): a canary compared with production and
    truncating more, cancelled streams that still cost, empty retrievals, looping agents."""
    settings, _ = generated
    canary = query(
        settings,
        "select baseline_kind, baseline_version, baseline_label, metric_value, baseline_value "
        "from quality.fct_prompt_regressions where prompt_name = 'chat-main' and prompt_version = 'v5' "
        "and prompt_label = 'canary' and metric = 'truncation_rate'",
    )
    assert len(canary) == 1, canary
    kind, version, label, canary_rate, production_rate = canary[0]
    assert (kind, version, label) == ("production", "v4", "production")
    assert canary_rate > production_rate
    (share,) = query(
        settings,
        "select sum(call_count) filter (where prompt_label = 'canary') / sum(call_count) "
        "from quality.fct_prompt_versions_daily where prompt_name = 'chat-main'",
    )[0]
    assert 0.1 < share < 0.5  # the canary's rollout share (30% of chat requests planted)
    cancelled, tokens, cost = query(
        settings,
        "select sum(missing_finish_reason_count), sum(cancelled_output_tokens), sum(cancelled_cost_usd) "
        "from quality.fct_streaming_daily",
    )[0]
    assert cancelled > 0 and tokens > 0 and cost > 0
    (empty,) = query(settings, "select sum(empty_retrieval_count) from quality.fct_retrieval_daily")[0]
    assert empty > 0
    (scored,) = query(
        settings, "select count(*) from intermediate.int_retrievals where top_score is not null"
    )[0]
    assert scored > 0  # OpenInference document scores survive landing
    (loops,) = query(settings, "select sum(loop_run_count) from quality.fct_agents_daily")[0]
    assert loops > 0
