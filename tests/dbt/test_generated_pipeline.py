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
    # every call the metrics counted has its span over the run (the generator keeps every trace;
    # single hours may differ by calls near the top of the hour)
    assert metric_calls == truth["metric_llm_calls"]
    by_key = query(
        settings,
        "select service_name, provider, model, sum(metric_call_count), sum(span_call_count) "
        "from metrics.fct_genai_spans_vs_metrics_hourly group by all having sum(metric_call_count) > 0",
    )
    assert by_key and all(metric == spans for *_, metric, spans in by_key), by_key
