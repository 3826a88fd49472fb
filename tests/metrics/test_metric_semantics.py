"""Metric semantics against hand-worked values (tests/metrics/metric_fixture.py works them out), and
quantiles against an independent computation (tests/metrics/quantiles.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.built_once import private_copy
from tests.metrics.quantiles import explicit_quantile, exponential_quantile

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
ENGINE_A = "vllm-0.inference.svc:8000"
ENGINE_B = "vllm-1.inference.svc:8000"


def rows(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_counter_increases_across_a_restart_a_value_drop_and_a_delta_mix(metric_warehouse):
    prompt = rows(
        metric_warehouse,
        "select delta_value, delta_basis, is_reset from intermediate.int_metric_sum_deltas "
        "where metric_name = 'vllm:prompt_tokens' and model is null and point_attributes like '%Llama%' "
        "order by point_at",
    )
    assert prompt == [
        (100.0, "since_start", False),
        (150.0, "difference", False),
        (150.0, "difference", False),
        (30.0, "since_start", True),  # new start time: the restart's own 30, not 30 - 400
        (60.0, "difference", False),
    ]
    requests = rows(
        metric_warehouse,
        "select service_instance_id, delta_value from intermediate.int_metric_sum_deltas "
        "where metric_name = 'app.requests' order by service_instance_id, point_at",
    )
    # app-1 drops from 80 to 20 under one start time (a restart); app-2 sends deltas
    assert requests == [
        ("app-1", 50.0),
        ("app-1", 30.0),
        ("app-1", 20.0),
        ("app-1", 5.0),
        ("app-2", 7.0),
        ("app-2", 5.0),
    ]
    hours = rows(
        metric_warehouse,
        "select hour(metric_hour), prompt_tokens, has_restart from intermediate.int_engine_usage_hourly "
        f"where model = '{LLAMA}' and metric_date = '2025-06-02' and prompt_tokens > 0 order by 1",
    )
    assert hours == [(10, 250.0, False), (11, 180.0, True), (12, 60.0, False)]


GENERATION_BY_DAY = (
    "select metric_date, service_instance_id, sum(generation_tokens) from intermediate.int_engine_usage_hourly "
    "group by all having sum(generation_tokens) > 0 order by 1, 2"
)


def test_a_cumulative_run_across_midnight_counts_each_increase_once(metric_warehouse, tmp_path):
    # 10 on the 2nd; 25 and 40 on the 3rd add 15 + 15; engine B's run began before the lake: its
    # first point has no baseline and only its second (+10) counts.
    expected = [
        (date(2025, 6, 2), ENGINE_A, 10.0),
        (date(2025, 6, 3), ENGINE_A, 30.0),
        (date(2025, 6, 3), ENGINE_B, 10.0),
    ]
    assert rows(metric_warehouse, GENERATION_BY_DAY) == expected
    # Rebuilding the 3rd alone reads the 2nd for context: still 30, not 40 (the running total).
    copy = metric_warehouse.__class__.from_env(private_copy(metric_warehouse.data_dir, tmp_path / "data"))
    result = run_dbt_build(
        copy, min_date="2025-06-03", max_date="2025-06-03", select="intermediate.metrics marts.metrics"
    )
    assert result.success, result.output_tail
    assert rows(copy, GENERATION_BY_DAY) == expected


def test_explicit_bucket_increases_difference_a_cumulative_point(metric_warehouse):
    buckets = rows(
        metric_warehouse,
        "select hour(point_at) * 100 + minute(point_at), bucket_lower, bucket_upper, bucket_count "
        "from intermediate.int_metric_explicit_buckets where service_instance_id = 'chat-1' order by 1, 2 nulls first",
    )
    # [1,2,1,0] since the start, then [2,4,3,1] - [1,2,1,0]
    assert buckets == [
        (1010, None, 1.0, 1),
        (1010, 1.0, 2.0, 2),
        (1010, 2.0, 5.0, 1),
        (1040, None, 1.0, 1),
        (1040, 1.0, 2.0, 2),
        (1040, 2.0, 5.0, 2),
        (1040, 5.0, None, 1),
    ]


def test_exponential_buckets_difference_across_a_scale_change(metric_warehouse):
    buckets = rows(
        metric_warehouse,
        "select bucket_scale, bucket_index, bucket_lower, bucket_upper, bucket_count "
        "from intermediate.int_metric_exponential_buckets "
        "where metric_name = 'gen_ai.server.request.duration' and minute(point_at) = 40 order by bucket_index",
    )
    # [1, 1] at scale 1 is [2] at scale 0; [3, 1] at scale 0 adds 1 to (1, 2] and 1 to (2, 4]
    assert buckets == [(0, 0, 1.0, 2.0, 1), (0, 1, 2.0, 4.0, 1)]


def test_summaries_count_as_increases_and_keep_their_quantiles(metric_warehouse):
    summaries = rows(
        metric_warehouse,
        "select service_instance_id, aggregation_temporality, delta_count, delta_sum, quantile_50, quantile_99 "
        "from intermediate.int_metric_summary_points order by service_instance_id, point_at",
    )
    assert summaries == [
        ("app-1", "CUMULATIVE", 10, 100.0, 9.0, 20.0),
        ("app-1", "CUMULATIVE", 5, 60.0, 9.0, 20.0),
        ("app-2", "CUMULATIVE", 4, 4.0, None, None),  # a first point: counted from its start
        ("app-2", "DELTA", 6, 6.0, None, None),  # starts where the previous ended: a delta
    ]


def test_merged_quantiles_equal_an_independent_computation(metric_warehouse):
    client, server = rows(
        metric_warehouse,
        "select call_count, duration_p50_seconds, duration_p95_seconds, duration_p99_seconds, "
        "ttft_p50_seconds, ttft_p95_seconds, ttft_p99_seconds "
        "from metrics.fct_genai_metrics_hourly order by instrument_side",
    )
    # client: two points of one cumulative series and a delta series, merged: [2, 5, 4, 1]
    merged = [1 + 1 + 0, 2 + 2 + 1, 1 + 2 + 1, 0 + 1 + 0]
    assert client[0] == sum(merged) == 12
    for got, q in zip(client[1:4], (0.5, 0.95, 0.99), strict=True):
        assert got == pytest.approx(explicit_quantile(q, [1.0, 2.0, 5.0], merged), abs=1e-12)
    assert client[1] == pytest.approx(1.0 + (6 - 2) / 5)  # by hand: rank 6 in (1, 2]
    # server TTFT: scale 1 (zero 1, [2, 3]) and scale 0 ([4] at offset 1) merged at scale 0
    ttft = [(1, 0, [2, 3], 1), (0, 1, [4], 0)]
    for got, q in zip(server[4:7], (0.5, 0.95, 0.99), strict=True):
        assert got == pytest.approx(exponential_quantile(q, ttft), abs=1e-12)
    assert server[4] == pytest.approx(2**0.8)  # by hand: rank 5 in (1, 2], 4 of its 5 in
    # server duration: a cumulative exponential series whose scale went from 1 to 0
    duration = [(1, 0, [1, 1], 0), (0, 0, [1, 1], 0)]
    assert server[0] == 4
    for got, q in zip(server[1:4], (0.5, 0.95, 0.99), strict=True):
        assert got == pytest.approx(exponential_quantile(q, duration), abs=1e-12)


def test_engine_levels_gpus_and_saturation(metric_warehouse):
    hours = rows(
        metric_warehouse,
        "select hour(metric_hour), waiting_requests_p95, waiting_requests_max, waiting_requests_growth, "
        "kv_cache_usage_p95, kv_cache_usage_max, gpu_utilization_avg, gpu_memory_used_max_mib, "
        "gpu_power_avg_watts, is_saturated from metrics.fct_inference_engine_hourly "
        f"where model = '{LLAMA}' and metric_date = '2025-06-02' and hour(metric_hour) in (10, 11) order by 1",
    )
    assert hours[0][:4] == (10, pytest.approx(5 + 0.85 * 4), 9.0, 9.0)  # p95 of 0, 2, 5, 9
    assert hours[0][4:6] == (pytest.approx(0.97 + 0.85 * 0.02), 0.99)  # old and new KV names alike
    assert hours[0][6:] == (pytest.approx(0.85), 42000.0, 310.0, True)  # the queue grew, cache full
    assert hours[1][3] == -5.0 and hours[1][9] is False  # draining under a full cache is not saturation


def test_self_hosted_cost_is_allocated_by_tokens_and_reconciles(metric_warehouse):
    costs = rows(
        metric_warehouse,
        "select model, instance_hours, cost_usd, usd_per_million_tokens, is_unpriced "
        "from metrics.fct_self_hosted_costs_daily where cost_date = '2025-06-02' order by instance_hours desc",
    )
    l40s = Decimal("1.861")
    # Llama: hours 10, 11 and 23 alone, two thirds of hour 12 (60 of 90 tokens); Qwen the last third
    llama_cost = 3 * l40s + l40s * 60 / 90
    assert costs[0][:2] == (LLAMA, 4) and abs(costs[0][2] - llama_cost) < Decimal("1e-8")
    assert abs(costs[0][3] - llama_cost / 500 * 1_000_000) < Decimal("1e-5")  # 250 + 180 + 60 + 10 tokens
    assert costs[1][:2] == (QWEN, 1) and abs(costs[1][2] - l40s / 3) < Decimal("1e-8")
    assert costs[0][4] is False and costs[1][4] is False
    # four instance-hours on the 2nd, to the cent
    assert round(costs[0][2] + costs[1][2], 2) == round(4 * l40s, 2)


def test_calls_to_self_hosted_models_are_priced_at_the_days_gpu_cost(metric_warehouse):
    """The internal provider in the FinOps marts: a call's cost is its tokens at the day's allocated
    GPU cost per token of its model (every instance of the day together), side by side with API calls."""
    l40s = Decimal("1.861")
    per_token = {  # hand-worked above: the model's instance-hour shares / its tokens of the day
        LLAMA: (3 * l40s + l40s * 60 / 90) / 500,
        QWEN: (l40s * 30 / 90) / 30,
    }
    calls = rows(
        metric_warehouse,
        "select span_id, provider_id, model, total_tokens, cost_usd, cost_source, price_match_kind, is_unpriced "
        "from intermediate.int_llm_calls_priced where span_id like 'self_hosted%' order by span_id",
    )
    assert [c[0] for c in calls] == ["self_hosted_llama", "self_hosted_qwen", "self_hosted_unserved"]
    for span_id, provider, model, tokens, cost, source, kind, unpriced in calls[:2]:
        assert (provider, source, kind, unpriced) == ("self_hosted", "calculated", "exact", False), span_id
        # the price is kept to 9 places per million tokens: the call's cost within a nano-dollar a token
        assert abs(cost - per_token[model] * tokens) <= Decimal("1e-9") * tokens, (span_id, cost)
    assert calls[2][1] == "self_hosted" and calls[2][4] is None and calls[2][7] is True
    (mart,) = rows(
        metric_warehouse,
        "select sum(total_cost_usd), sum(llm_call_count), sum(unpriced_call_count) from finops.fct_llm_costs_daily "
        "where provider = 'self_hosted'",
    )
    assert mart == (calls[0][4] + calls[1][4], 3, 1)


def test_rates_use_the_increase_not_the_running_total(metric_warehouse):
    (per_second,) = rows(
        metric_warehouse,
        "select prompt_tokens_per_second from metrics.fct_inference_engine_hourly "
        f"where model = '{LLAMA}' and metric_hour = '{datetime(2025, 6, 2, 11)}'",
    )[0:1][0]
    assert per_second == pytest.approx(180 / 3600)


def test_sampling_probability_comes_from_the_tracestate_threshold(metric_warehouse):
    rates = dict(
        rows(
            metric_warehouse,
            "select span_id, sample_rate from intermediate.int_spans_attributed where span_name = 'sampled request'",
        )
    )
    assert rates == {
        "half": 0.5,
        "quarter": 0.25,
        "all": 1.0,
        "percent": pytest.approx(1 - 0xFD70A4 / 2**24),
        "not_ot": None,  # another vendor's key that merely ends in "ot"
        "none": None,
        "attribute": 10.0,  # the span's own SampleRate wins
    }
