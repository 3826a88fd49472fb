-- Prompt versions against their baselines.
--
-- Answers: is the new prompt version (or the canary) worse than the one before it (or production)?
--          One row per version and metric, regressions first: the version's value, the baseline's,
--          the difference with its 95% interval, the sample sizes, and whether it is a regression.
-- Parameters: the window is prompt_regression_window_days (default 14) up to the latest call; a
--             metric needs prompt_regression_min_sample observations per side (default 30) to be flagged.
-- Use: a regression also makes its requests eval candidates (reason prompt_regression) and warns in
--      Dagster (asset check no_prompt_regression).
select
    prompt_name,
    prompt_version,
    prompt_label,
    baseline_kind,
    baseline_version,
    metric,
    sample_size,
    round(metric_value, 4) as value,
    baseline_sample_size,
    round(baseline_value, 4) as baseline_value,
    round(delta, 4) as delta,
    round(delta_ci_lower, 4) as delta_ci_lower,
    round(delta_ci_upper, 4) as delta_ci_upper,
    has_min_sample,
    is_regression
from quality.fct_prompt_regressions
order by is_version_regressed desc, is_regression desc, prompt_name, prompt_version, metric
