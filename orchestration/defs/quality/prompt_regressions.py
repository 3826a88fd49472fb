"""A warning in Dagster while a prompt version regresses against its baseline (fct_prompt_regressions).

The decision is the mart's (statistics in dbt); the check only shows it next to the asset: which
version, which metric, by how much, with its interval and sample sizes. It never blocks: a
regressing canary is news for the prompt's owners, not a reason to stop the warehouse.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.defs.resources import SpanledgerResource

RELATION = "quality.fct_prompt_regressions"
COLUMNS = [
    "prompt_name",
    "prompt_version",
    "prompt_label",
    "baseline_version",
    "baseline_label",
    "metric",
    "metric_value",
    "baseline_value",
    "delta",
    "delta_ci_lower",
    "delta_ci_upper",
    "sample_size",
    "baseline_sample_size",
    "is_regression",
]


def regression_result(frame) -> AssetCheckResult:
    """The check's verdict on the mart's rows (a pandas frame of COLUMNS)."""
    regressed = frame[frame["is_regression"]].sort_values(["prompt_name", "prompt_version", "metric"])
    lines = [
        f"{r.prompt_name} {r.prompt_version} ({r.prompt_label}) vs {r.baseline_version} ({r.baseline_label}): "
        f"{r.metric} {r.metric_value:.4g} vs {r.baseline_value:.4g}, delta {r.delta:+.4g} "
        f"[{r.delta_ci_lower:+.4g}, {r.delta_ci_upper:+.4g}], n = {r.sample_size} / {r.baseline_sample_size}"
        for r in regressed.itertuples()
    ]
    versions = regressed[["prompt_name", "prompt_version", "prompt_label"]].drop_duplicates()
    return AssetCheckResult(
        passed=regressed.empty,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{len(versions)} prompt version(s) regressed: " + "; ".join(lines)
            if lines
            else f"no regression among {len(frame)} compared metrics"
        )[:2000],
        metadata={
            "regressed_versions": len(versions),
            "regressed_metrics": len(regressed),
            "compared_metrics": len(frame),
            "regressions": MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
        },
    )


@asset_check(
    asset=AssetKey(["quality", "fct_prompt_regressions"]),
    name="no_prompt_regression",
    description="Warns while a prompt version is significantly worse than its baseline (fct_prompt_regressions).",
)
def prompt_regression_check(
    context: AssetCheckExecutionContext, spanledger: SpanledgerResource
) -> AssetCheckResult:
    from orchestration.quality.data import read_mart

    result = regression_result(read_mart(spanledger.settings(), RELATION, columns=COLUMNS))
    context.log.info(result.description)
    return result
