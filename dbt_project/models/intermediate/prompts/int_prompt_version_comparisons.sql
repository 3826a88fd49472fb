{#- Each prompt version (per rollout label) against its baseline, one row per metric, decided with
    statistics rather than by eye.

    The baseline: while a version runs under a label other than production (a canary) and the prompt
    has a different production version, the production version (the one with most calls); otherwise
    the previous version of the same label (by first call). Both sides are the calls of the last
    `prompt_regression_window_days` days up to the latest call.

    Rates (errors, refusals, truncations, parse failures, negative feedback) are compared with the
    pooled two-proportion z test and a Newcombe (Wilson) interval for the difference; means (latency,
    cost per call, each evaluator's score) with Welch's t and its interval. A metric regresses when
    both sides have at least `prompt_regression_min_sample` observations and the difference is
    significant in the bad direction (two-sided, `prompt_regression_z`) and its interval excludes
    zero. Below the sample size it is reported but never flagged. -#}

{%- set z = var('prompt_regression_z') %}
{%- set min_sample = var('prompt_regression_min_sample') %}

with

calls as (

    select * from {{ ref('int_prompt_calls') }}
    where prompt_name is not null

),

evaluations as (

    select * from {{ ref('int_evaluations') }}
    where trace_id is not null

),

latest as (

    select max(call_date) as last_call_date from calls

),

windowed as (

    select
        calls.*,
        coalesce(calls.prompt_version, '{{ var("unknown_label") }}') as version_key,
        coalesce(calls.prompt_label, '{{ var("unlabelled_prompt") }}') as label_key
    from calls
    cross join latest
    where calls.call_date > {{ add_days('latest.last_call_date', -var('prompt_regression_window_days')) }}

),

version_traces as (

    select distinct
        prompt_name,
        version_key,
        label_key,
        trace_id
    from windowed

),

trace_feedback as (

    select
        trace_id,
        max(case when is_negative_feedback then 1 else 0 end) as has_negative_feedback
    from evaluations
    where evaluation_kind = 'feedback'
    group by 1

),

metric_samples as (

    -- rates: k of n; means: n, mean, sample variance. higher_is_worse says which way is a regression.
    {%- for metric, condition in [('error_rate', 'is_error'), ('refusal_rate', 'is_refusal'),
                                  ('truncation_rate', 'is_truncated'),
                                  ('parse_failure_rate', "error_class = 'parse_failure'")] %}
    select
        prompt_name,
        version_key,
        label_key,
        '{{ metric }}' as metric,
        'proportion' as metric_kind,
        true as higher_is_worse,
        count(*) as sample_size,
        cast({{ count_where(condition) }} as {{ t_float() }}) as success_count,
        -- exact sums: a float sum adds in any order, and a rerun must give the same marts
        {{ exact_avg('case when ' ~ condition ~ ' then 1.0 else 0.0 end') }} as metric_mean,
        cast(null as {{ t_float() }}) as metric_variance
    from windowed
    group by 1, 2, 3

    union all
    {%- endfor %}

    select
        version_traces.prompt_name,
        version_traces.version_key,
        version_traces.label_key,
        'negative_feedback_rate' as metric,
        'proportion' as metric_kind,
        true as higher_is_worse,
        count(*) as sample_size,
        cast(sum(trace_feedback.has_negative_feedback) as {{ t_float() }}) as success_count,
        {{ exact_avg('cast(trace_feedback.has_negative_feedback as ' ~ t_float() ~ ')') }} as metric_mean,
        cast(null as {{ t_float() }}) as metric_variance
    from version_traces
    inner join trace_feedback
        on version_traces.trace_id = trace_feedback.trace_id
    group by 1, 2, 3

    union all

    {%- set cost_value = 'cast(cost_usd as ' ~ t_float() ~ ')' %}
    {%- set mean_metrics = [('latency_ms', 'latency_ms'), ('cost_per_call_usd', cost_value)] %}
    {%- for metric, value in mean_metrics %}
    select
        prompt_name,
        version_key,
        label_key,
        '{{ metric }}' as metric,
        'mean' as metric_kind,
        true as higher_is_worse,
        count({{ value }}) as sample_size,
        cast(null as {{ t_float() }}) as success_count,
        {{ exact_avg(value) }} as metric_mean,
        {{ exact_var_samp(value) }} as metric_variance
    from windowed
    where {{ value }} is not null
    group by 1, 2, 3

    union all
    {%- endfor %}

    select
        version_traces.prompt_name,
        version_traces.version_key,
        version_traces.label_key,
        'eval:' || evaluations.eval_name as metric,
        'mean' as metric_kind,
        lower(evaluations.eval_name) in (
            {%- for name in var('eval_names_higher_is_worse') %}'{{ name }}'{% if not loop.last %},
            {% endif %}{% endfor -%}
        ) as higher_is_worse,
        count(*) as sample_size,
        cast(null as {{ t_float() }}) as success_count,
        {{ exact_avg('evaluations.eval_score') }} as metric_mean,
        {{ exact_var_samp('evaluations.eval_score') }} as metric_variance
    from version_traces
    inner join evaluations
        on version_traces.trace_id = evaluations.trace_id
    where evaluations.evaluation_kind = 'evaluation'
        and evaluations.eval_name is not null
        and evaluations.eval_score is not null
    group by 1, 2, 3, 4, 6

),

versions as (

    select
        prompt_name,
        version_key,
        label_key,
        min(started_at) as first_call_at,
        count(*) as call_count
    from windowed
    group by 1, 2, 3

),

production_versions as (

    select
        prompt_name,
        version_key as production_version,
        row_number() over (partition by prompt_name order by call_count desc, version_key asc) as production_rank
    from versions
    where label_key = 'production'

),

previous_versions as (

    -- for each version, the versions of the same prompt and label that came before it, latest first
    select
        later.prompt_name,
        later.version_key as later_version,
        later.label_key,
        earlier.version_key,
        row_number() over (
            partition by later.prompt_name, later.version_key, later.label_key
            order by earlier.first_call_at desc, earlier.version_key desc
        ) as recency
    from versions as later
    inner join versions as earlier
        on later.prompt_name = earlier.prompt_name
        and later.label_key = earlier.label_key
        and later.first_call_at > earlier.first_call_at

),

baselines as (

    select
        versions.prompt_name,
        versions.version_key,
        versions.label_key,
        versions.first_call_at,
        case
            when versions.label_key != 'production' and production.production_version != versions.version_key
                then 'production'
            when previous.version_key is not null then 'previous_version'
        end as baseline_kind,
        case
            when versions.label_key != 'production' and production.production_version != versions.version_key
                then production.production_version
            else previous.version_key
        end as baseline_version,
        case
            when versions.label_key != 'production' and production.production_version != versions.version_key
                then 'production'
            else previous.label_key
        end as baseline_label
    from versions
    left join production_versions as production
        on versions.prompt_name = production.prompt_name and production.production_rank = 1
    left join previous_versions as previous
        on versions.prompt_name = previous.prompt_name
        and versions.version_key = previous.later_version
        and versions.label_key = previous.label_key
        and previous.recency = 1

),

paired as (

    select
        baselines.prompt_name,
        baselines.version_key as prompt_version,
        baselines.label_key as prompt_label,
        baselines.baseline_kind,
        baselines.baseline_version,
        baselines.baseline_label,
        candidate.metric,
        candidate.metric_kind,
        candidate.higher_is_worse,
        candidate.sample_size,
        candidate.success_count,
        candidate.metric_mean as metric_value,
        candidate.metric_variance,
        baseline.sample_size as baseline_sample_size,
        baseline.success_count as baseline_success_count,
        baseline.metric_mean as baseline_value,
        baseline.metric_variance as baseline_variance
    from baselines
    inner join metric_samples as candidate
        on baselines.prompt_name = candidate.prompt_name
        and baselines.version_key = candidate.version_key
        and baselines.label_key = candidate.label_key
    left join metric_samples as baseline
        on baselines.prompt_name = baseline.prompt_name
        and baselines.baseline_version = baseline.version_key
        and baselines.baseline_label = baseline.label_key
        and candidate.metric = baseline.metric

),

tested as (

    select
        *,
        metric_value - baseline_value as delta,
        case
            when metric_kind = 'proportion'
                then {{ two_proportion_z(
                    'success_count', 'sample_size', 'baseline_success_count', 'baseline_sample_size'
                ) }}
            when {{ welch_se('metric_variance', 'sample_size', 'baseline_variance', 'baseline_sample_size') }} > 0
                then (metric_value - baseline_value)
                    / {{ welch_se('metric_variance', 'sample_size', 'baseline_variance', 'baseline_sample_size') }}
        end as test_statistic,
        case when metric_kind = 'mean'
                then {{ welch_df('metric_variance', 'sample_size', 'baseline_variance', 'baseline_sample_size') }}
        end as degrees_of_freedom,
        {{ wilson_bound('success_count', 'sample_size', z, 'lower') }} as wilson_lower,
        {{ wilson_bound('success_count', 'sample_size', z, 'upper') }} as wilson_upper,
        {{ wilson_bound('baseline_success_count', 'baseline_sample_size', z, 'lower') }} as baseline_wilson_lower,
        {{ wilson_bound('baseline_success_count', 'baseline_sample_size', z, 'upper') }} as baseline_wilson_upper,
        coalesce(sample_size >= {{ min_sample }} and baseline_sample_size >= {{ min_sample }}, false)
            as has_min_sample
    from paired

),

with_critical as (

    select
        *,
        case
            when metric_kind = 'proportion' then {{ z }}
            when degrees_of_freedom is not null then {{ t_quantile(z, 'degrees_of_freedom') }}
        end as critical_value
    from tested

),

intervals as (

    select
        {{ hash_key(['prompt_name', 'prompt_version', 'prompt_label', 'metric']) }} as comparison_id,
        prompt_name,
        prompt_version,
        prompt_label,
        baseline_kind,
        baseline_version,
        baseline_label,
        metric,
        metric_kind,
        higher_is_worse,
        sample_size,
        metric_value,
        baseline_sample_size,
        baseline_value,
        delta,
        case
            when metric_kind = 'proportion'
                then delta - sqrt(
                        power(metric_value - wilson_lower, 2) + power(baseline_wilson_upper - baseline_value, 2)
                    )
            else delta
                - critical_value
                * {{ welch_se('metric_variance', 'sample_size', 'baseline_variance', 'baseline_sample_size') }}
        end as delta_ci_lower,
        case
            when metric_kind = 'proportion'
                then delta + sqrt(
                        power(wilson_upper - metric_value, 2) + power(baseline_value - baseline_wilson_lower, 2)
                    )
            else delta
                + critical_value
                * {{ welch_se('metric_variance', 'sample_size', 'baseline_variance', 'baseline_sample_size') }}
        end as delta_ci_upper,
        wilson_lower as rate_ci_lower,
        wilson_upper as rate_ci_upper,
        test_statistic,
        degrees_of_freedom,
        critical_value,
        has_min_sample
    from with_critical

),

final as (

    -- significant, and (for rates) the Newcombe interval excludes no change: the pooled z test alone
    -- flags a few events against none (4 of 600 against 0 of 600)
    select
        *,
        coalesce(
            has_min_sample
            and (
                (higher_is_worse and test_statistic >= critical_value and delta_ci_lower > 0)
                or (not higher_is_worse and test_statistic <= -critical_value and delta_ci_upper < 0)
            ),
            false
        ) as is_regression
    from intervals

)

select * from final
