{{ config(**date_partitioned('call_date')) }}

{#- Evaluator scores per prompt version and day: prompt x version x label x evaluator, by the day of
    the evaluated request (evaluations arrive later; each counts on its request's day). The interval
    is the mean's t interval at prompt_regression_z. -#}

with

calls as (

    select * from {{ ref('int_prompt_calls') }}
    where prompt_name is not null and {{ date_window('call_date') }}

),

evaluations as (

    select * from {{ ref('int_evaluations') }}
    where evaluation_kind = 'evaluation' and eval_name is not null and eval_score is not null
        and trace_id is not null

),

request_versions as (

    select distinct
        call_date,
        prompt_name,
        coalesce(prompt_version, '{{ var("unknown_label") }}') as prompt_version,
        coalesce(prompt_label, '{{ var("unlabelled_prompt") }}') as prompt_label,
        trace_id
    from calls

),

grouped as (

    select
        request_versions.call_date,
        request_versions.prompt_name,
        request_versions.prompt_version,
        request_versions.prompt_label,
        evaluations.eval_name,
        count(*) as eval_count,
        -- exact sums: a float sum adds in any order, and a rerun must give the same marts
        {{ exact_avg('evaluations.eval_score') }} as eval_score_mean,
        {{ exact_stddev_samp('evaluations.eval_score') }} as eval_score_stddev,
        {{ count_where('evaluations.is_low_eval_score') }} as low_score_count
    from request_versions
    inner join evaluations
        on request_versions.trace_id = evaluations.trace_id
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ hash_key(['call_date', 'prompt_name', 'prompt_version', 'prompt_label', 'eval_name']) }}
            as prompt_eval_day_id,
        call_date,
        prompt_name,
        prompt_version,
        prompt_label,
        eval_name,
        eval_count,
        eval_score_mean,
        eval_score_stddev,
        case when eval_count > 1 then
                eval_score_mean - {{ t_quantile(var('prompt_regression_z'), 'eval_count - 1') }}
                * eval_score_stddev / sqrt(eval_count)
        end as eval_score_ci_lower,
        case when eval_count > 1 then
                eval_score_mean + {{ t_quantile(var('prompt_regression_z'), 'eval_count - 1') }}
                * eval_score_stddev / sqrt(eval_count)
        end as eval_score_ci_upper,
        low_score_count
    from grouped

)

select * from final
