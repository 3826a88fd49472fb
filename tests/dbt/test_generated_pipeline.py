"""The user's story: generate → land → build, then the marts agree with what the generator wrote."""

from __future__ import annotations

import json
import math
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


def test_metrics_marts_match_the_generator(generated: tuple[Settings, dict]) -> None:
    settings, truth = generated
    days = truth["config"]["days"]
    engines = query(
        settings,
        "select sum(prompt_tokens), sum(generation_tokens), sum(request_count), "
        "count(*) filter (where is_saturated), count(distinct hour(metric_hour)) filter (where is_saturated), "
        "count(*) filter (where has_restart) from metrics.fct_inference_engine_hourly",
    )[0]
    usage = truth["engine_usage"]
    # counters read across the restart lose and double nothing
    assert engines[:3] == (usage["prompt_tokens"], usage["generation_tokens"], usage["requests"])
    assert engines[3:] == (2 * days, 1, 1)  # both instances saturate at one hour a day; one restart
    costs = query(
        settings,
        "select sum(instance_hours), sum(cost_usd), sum(prompt_tokens + generation_tokens), bool_or(is_unpriced) "
        "from metrics.fct_self_hosted_costs_daily",
    )[0]
    assert costs[0] == 2 * 24 * days and not costs[3]
    assert round(costs[1], 2) == round(Decimal("1.861") * costs[0], 2)  # instance-hours x price, to the cent
    assert costs[2] == usage["prompt_tokens"] + usage["generation_tokens"]
    (metric_calls,) = query(
        settings, "select sum(metric_call_count) from metrics.fct_genai_spans_vs_metrics_hourly"
    )[0]
    assert metric_calls == truth["metric_llm_calls"]  # metrics are unsampled: every call, dropped traces too


def _sampling_sd(truth: dict, counter: str) -> float:
    """Standard deviation of a Horvitz-Thompson count: a call kept with probability 1/N and weighted N
    has variance N - 1, so the sum over all calls of the sampled tenants is sum(n_N * (N - 1))."""
    rates = {
        int(k.rsplit("_", 1)[1]): n for k, n in truth["sampling"].items() if k.startswith(f"{counter}_rate_")
    }
    return math.sqrt(sum(n * (rate - 1) for rate, n in rates.items()))


def test_sampled_traces_reconcile_with_the_unsampled_metrics(generated: tuple[Settings, dict]) -> None:
    """Two demo tenants keep 1 trace in N (a probability sampler's tracestate th:, a tail sampler's
    SampleRate, which keeps errors and slow requests whole); the metrics count every call. Spans miss exactly the dropped calls, and weighting the
    kept ones by their recorded rate estimates the metrics' count within the sampling error."""
    settings, truth = generated
    dropped = truth["sampling"]["metric_llm_calls_dropped"]
    assert dropped > 0 and len(truth["sample_rates"]) == 2
    by_key = query(
        settings,
        "select service_name, provider, model, sum(metric_call_count), sum(span_call_count), "
        "sum(span_weighted_call_count) from metrics.fct_genai_spans_vs_metrics_hourly "
        "group by all having sum(metric_call_count) > 0",
    )
    assert all(metric >= spans for *_, metric, spans, _ in by_key), by_key
    metric, spans, weighted = (sum(row[i] for row in by_key) for i in (3, 4, 5))
    assert metric - spans == dropped  # the calls of the dropped traces, no more, no less
    sd = _sampling_sd(truth, "metric_llm_calls")
    assert sd > 0 and abs(weighted - metric) <= 4 * sd, (weighted, metric, sd)
    assert abs(weighted - metric) < dropped  # the estimate is closer than the raw span count


def test_sampled_tenants_costs_are_extrapolated_by_their_rate(generated: tuple[Settings, dict]) -> None:
    settings, truth = generated
    rows = query(
        settings,
        "select tenant_id, is_sampled, llm_call_count, extrapolated_llm_call_count, total_cost_usd, "
        "extrapolated_cost_usd from finops.fct_llm_costs_daily",
    )
    rates = truth["sample_rates"]
    sampled_tenants = {tenant for tenant, sampled, *_ in rows if sampled}
    assert sampled_tenants and sampled_tenants <= set(rates)  # a small run may keep no 1-in-10 trace
    for tenant, sampled, calls, extrapolated_calls, cost, extrapolated_cost in rows:
        if not sampled:
            assert (extrapolated_calls, extrapolated_cost) == (calls, cost), tenant
            continue
        # each call weighs its tenant's rate, or 1 where the tail sampler kept an error or a slow request
        rate = rates[tenant]
        assert calls < extrapolated_calls <= calls * rate + 1e-9, tenant
        assert cost <= extrapolated_cost <= cost * rate, tenant
    measured = sum(row[2] for row in rows)
    extrapolated = sum(row[3] for row in rows)
    sd = _sampling_sd(truth, "calls")
    assert abs(extrapolated - (measured + truth["sampling"]["calls_dropped"])) <= 4 * sd


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
