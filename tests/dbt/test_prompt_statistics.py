"""The prompt regression statistics of the built warehouse, recomputed here from the calls and
evaluations it compared, with textbook formulas written independently of the SQL: the Wilson score
interval, Newcombe's interval for a difference of proportions, the pooled two-proportion z, Welch's t
and degrees of freedom, and the t quantile by numerically inverting Student's t distribution (scipy is
not a dependency; the quantile is checked against a table value first)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity, build_asset_check_context

from orchestration.settings import Settings
from tests.built_once import private_copy
from tests.dbt.conftest import query

pytestmark = pytest.mark.slow
Z = 1.959964
RATE_CONDITIONS = {
    "error_rate": lambda row: row["is_error"],
    "refusal_rate": lambda row: row["is_refusal"],
    "truncation_rate": lambda row: row["is_truncated"],
    "parse_failure_rate": lambda row: row["error_class"] == "parse_failure",
}


def wilson(k: int, n: int, z: float = Z) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def t_cdf(t: float, df: float) -> float:
    """Student's t CDF by Simpson's rule over the density (t >= 0)."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    steps = 4000
    h = t / steps
    total = 0.0
    for i in range(steps + 1):
        x = i * h
        weight = 1 if i in (0, steps) else (4 if i % 2 else 2)
        total += weight * math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df))
    return 0.5 + total * h / 3


def t_quantile(z: float, df: float) -> float:
    """The t quantile at the normal quantile z's level, by bisection on the CDF."""
    target = statistics.NormalDist().cdf(z)
    low, high = 0.0, 50.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if t_cdf(mid, df) < target else (low, mid)
    return (low + high) / 2


def test_the_t_quantile_helper_matches_a_table() -> None:
    # two-sided 95%: t(10) = 2.228139, t(30) = 2.042272 (any t table)
    assert t_quantile(Z, 10) == pytest.approx(2.228139, abs=2e-5)
    assert t_quantile(Z, 30) == pytest.approx(2.042272, abs=2e-5)


def _samples(settings: Settings) -> dict[tuple[str, str, str, str], list]:
    """Per (prompt, version, label, metric): the 0/1 outcomes or the values the mart compared."""
    calls = query(
        settings,
        "with w as (select * from intermediate.int_prompt_calls where prompt_name is not null and call_date > "
        "(select max(call_date) from intermediate.int_prompt_calls) - 14) "
        "select prompt_name, coalesce(prompt_version, '(unknown)'), coalesce(prompt_label, '(unlabelled)'), "
        "trace_id, is_error, is_refusal, is_truncated, error_class, latency_ms, cast(cost_usd as double) from w",
    )
    evaluations = query(
        settings,
        "select trace_id, evaluation_kind, eval_name, eval_score, is_negative_feedback "
        "from intermediate.int_evaluations where trace_id is not null",
    )
    samples: dict[tuple[str, str, str, str], list] = defaultdict(list)
    traces: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for name, version, label, trace, err, refusal, truncated, error_class, latency, cost in calls:
        row = {"is_error": err, "is_refusal": refusal, "is_truncated": truncated, "error_class": error_class}
        for metric, condition in RATE_CONDITIONS.items():
            samples[(name, version, label, metric)].append(1 if condition(row) else 0)
        if latency is not None:
            samples[(name, version, label, "latency_ms")].append(latency)
        if cost is not None:
            samples[(name, version, label, "cost_per_call_usd")].append(cost)
        traces[(name, version, label)].add(trace)
    negative: dict[str, int] = {}
    scores: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for trace, kind, eval_name, score, is_negative in evaluations:
        if kind == "feedback":
            negative[trace] = max(negative.get(trace, 0), int(is_negative))
        elif eval_name is not None and score is not None:
            scores[trace].append((eval_name, score))
    for key, trace_ids in traces.items():
        for trace in trace_ids:
            if trace in negative:
                samples[(*key, "negative_feedback_rate")].append(negative[trace])
            for eval_name, score in scores.get(trace, []):
                samples[(*key, f"eval:{eval_name}")].append(score)
    return samples


def test_prompt_regression_statistics_match_the_textbook(golden_warehouse: Settings) -> None:
    samples = _samples(golden_warehouse)
    rows = query(
        golden_warehouse,
        "select prompt_name, prompt_version, prompt_label, baseline_version, baseline_label, metric, metric_kind, "
        "higher_is_worse, sample_size, metric_value, baseline_sample_size, delta, delta_ci_lower, delta_ci_upper, "
        "rate_ci_lower, rate_ci_upper, test_statistic, degrees_of_freedom, critical_value, has_min_sample, "
        "is_regression from intermediate.int_prompt_version_comparisons "
        "where baseline_sample_size is not null",
    )
    checked = defaultdict(int)
    for (name, version, label, base_version, base_label, metric, kind, worse_up, n1, value, n0, delta, lo, hi,
         rate_lo, rate_hi, stat, df, critical, has_min, flagged) in rows:  # fmt: skip
        a = samples[(name, version, label, metric)]
        b = samples[(name, base_version, base_label, metric)]
        assert (n1, n0) == (len(a), len(b)), (name, version, metric)
        m1, m0 = statistics.fmean(a), statistics.fmean(b)
        assert value == pytest.approx(m1, rel=1e-9, abs=1e-12)
        assert delta == pytest.approx(m1 - m0, rel=1e-9, abs=1e-12)
        if kind == "proportion":
            k1, k0 = sum(a), sum(b)
            l1, u1 = wilson(k1, n1)
            l0, u0 = wilson(k0, n0)
            assert (rate_lo, rate_hi) == pytest.approx((l1, u1), abs=1e-9)
            assert lo == pytest.approx(m1 - m0 - math.sqrt((m1 - l1) ** 2 + (u0 - m0) ** 2), abs=1e-9)
            assert hi == pytest.approx(m1 - m0 + math.sqrt((u1 - m1) ** 2 + (m0 - l0) ** 2), abs=1e-9)
            pooled = (k1 + k0) / (n1 + n0)
            z = 0.0 if pooled in (0, 1) else (m1 - m0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
            assert stat == pytest.approx(z, abs=1e-9)
            expected_critical = Z
        else:
            if n1 < 2 or n0 < 2:
                continue
            v1, v0 = statistics.variance(a), statistics.variance(b)
            se = math.sqrt(v1 / n1 + v0 / n0)
            if se == 0:
                continue
            welch_df = se**4 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
            assert stat == pytest.approx((m1 - m0) / se, rel=1e-6)
            assert df == pytest.approx(welch_df, rel=1e-6)
            expected_critical = t_quantile(Z, welch_df)
            # the SQL's series expansion: within 1e-3 of the exact quantile from 5 degrees of freedom on
            assert critical == pytest.approx(expected_critical, abs=1e-3 if welch_df >= 5 else 0.05)
            assert lo == pytest.approx(m1 - m0 - critical * se, rel=1e-6, abs=1e-9)
            assert hi == pytest.approx(m1 - m0 + critical * se, rel=1e-6, abs=1e-9)
        enough = n1 >= 30 and n0 >= 30
        assert has_min == enough
        worse = (
            (stat >= expected_critical and lo > 0) if worse_up else (stat <= -expected_critical and hi < 0)
        )
        assert flagged == (enough and worse), (name, version, metric, stat, expected_critical)
        checked[kind] += 1
    assert checked["proportion"] > 0 and checked["mean"] > 0, checked


def _run_check(data_dir: Path):
    from orchestration.defs.quality.prompt_regressions import prompt_regression_check
    from orchestration.defs.resources import SpanledgerResource

    context = build_asset_check_context(resources={"spanledger": SpanledgerResource(data_dir=str(data_dir))})
    return prompt_regression_check(context)


def test_the_asset_check_warns_while_a_version_regresses(golden_warehouse: Settings, tmp_path: Path) -> None:
    clean = _run_check(golden_warehouse.data_dir)
    (regressed,) = query(
        golden_warehouse, "select count(*) from quality.fct_prompt_regressions where is_regression"
    )[0]
    assert clean.passed == (regressed == 0)
    assert clean.severity == AssetCheckSeverity.WARN
    # plant a regression in a copy of the warehouse: the check names the version and the metric
    data_dir = private_copy(golden_warehouse.data_dir, tmp_path / "data")
    with duckdb.connect(str(Settings.from_env(data_dir).warehouse_path)) as con:
        name, version, metric = con.execute(
            "update quality.fct_prompt_regressions set is_regression = true where comparison_id = "
            "(select min(comparison_id) from quality.fct_prompt_regressions) "
            "returning prompt_name, prompt_version, metric"
        ).fetchone()
        (expected,) = con.execute(
            "select count(*) from quality.fct_prompt_regressions where is_regression"
        ).fetchone()
    result = _run_check(data_dir)
    assert not result.passed
    assert result.metadata["regressed_metrics"].value == expected
    assert f"{name} {version}" in result.description and metric in result.description
