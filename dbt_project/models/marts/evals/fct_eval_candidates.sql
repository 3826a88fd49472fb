{{ config(**date_partitioned('candidate_date')) }}

{#- Requests worth turning into eval cases, one row per trace, with every reason that applies and a
    priority. Capped per tenant and day (`eval_candidates_per_tenant_day`) so a noisy tenant cannot
    flood the list; ties are broken by trace id, so reruns pick the same traces. -#}

with

requests as (

    select * from {{ ref('int_requests_summarized') }}
    where {{ date_window('request_date') }}

),

evaluations as (

    -- feedback often arrives days later: every evaluation of the trace counts, whatever its date
    select * from {{ ref('int_evaluations') }}

),

agent_runs as (

    select * from {{ ref('int_agent_runs') }}
    where {{ date_window('agent_run_date', var('trace_context_days'), var('trace_context_days')) }}

),

prompt_calls as (

    select * from {{ ref('int_prompt_calls') }}
    where prompt_name is not null
        and {{ date_window('call_date', var('trace_context_days'), var('trace_context_days')) }}

),

retrievals as (

    select * from {{ ref('int_retrievals') }}
    where {{ date_window('retrieval_date', var('trace_context_days'), var('trace_context_days')) }}

),

regressed_versions as (

    -- prompt versions (per label) that regressed against their baseline (int_prompt_version_comparisons)
    select distinct
        prompt_name,
        prompt_version,
        prompt_label
    from {{ ref('int_prompt_version_comparisons') }}
    where is_regression

),

tenant_days as (

    -- each tenant's p99 latency and cost spread of the day: what an outlier is measured against
    select * from {{ ref('int_requests_aggregated_to_tenant_days') }}
    where {{ date_window('latency_date') }}

),

trace_evaluations as (

    select
        trace_id,
        max(case when is_low_eval_score then 1 else 0 end) as has_low_eval_score,
        max(case when is_negative_feedback then 1 else 0 end) as has_negative_feedback,
        max(case
            when lower(eval_name) = 'faithfulness' and eval_score < {{ var('low_faithfulness_threshold') }} then 1
            else 0
        end) as has_low_faithfulness,
        min(eval_score) as min_eval_score,
        min(feedback_score) as min_feedback_score
    from evaluations
    where trace_id is not null
    group by 1

),

trace_loops as (

    select
        trace_id,
        max(case when is_loop then 1 else 0 end) as has_agent_loop
    from agent_runs
    group by 1

),

trace_retrievals as (

    select
        trace_id,
        max(case when is_empty then 1 else 0 end) as has_empty_retrieval
    from retrievals
    group by 1

),

trace_regressions as (

    select distinct prompt_calls.trace_id
    from prompt_calls
    inner join regressed_versions
        on prompt_calls.prompt_name = regressed_versions.prompt_name
        and coalesce(prompt_calls.prompt_version, '{{ var("unknown_label") }}') = regressed_versions.prompt_version
        and coalesce(prompt_calls.prompt_label, '{{ var("unlabelled_prompt") }}') = regressed_versions.prompt_label

),

traces as (

    -- one row per trace even if a trace has several roots
    select
        requests.trace_id,
        min(requests.request_date) as candidate_date,
        min(coalesce(requests.tenant_id, '{{ var("unknown_label") }}')) as tenant_key,
        max(requests.tenant_id) as tenant_id,
        max(requests.feature) as feature,
        min(requests.root_span_id) as root_span_id,
        min(requests.started_at) as started_at,
        max(requests.latency_ms) as latency_ms,
        sum(requests.cost_usd) as cost_usd,
        max(requests.failure_reason) as failure_reason,
        max(case when requests.is_error then 1 else 0 end) as is_error,
        max(case when requests.is_failed_200 then 1 else 0 end) as is_failed_200,
        max(case when requests.has_refusal then 1 else 0 end) as has_refusal,
        max(case when requests.latency_ms > tenant_days.latency_p99_ms then 1 else 0 end) as is_slower_than_p99,
        max(case
            when tenant_days.costed_request_count >= {{ var('cost_outlier_min_requests') }}
                and cast(requests.cost_usd as {{ t_float() }}) > (
                    tenant_days.mean_cost_usd + {{ var('cost_outlier_stddevs') }} * tenant_days.stddev_cost_usd
                )
                then 1
            else 0
        end) as is_cost_outlier
    from requests
    left join tenant_days
        on requests.request_date = tenant_days.latency_date
        and coalesce(requests.tenant_id, '{{ var("unknown_label") }}') = tenant_days.tenant_id
    group by 1

),

flagged as (

    select
        traces.*,
        traces.is_error = 1 as reason_error,
        traces.is_failed_200 = 1 as reason_200_but_failed,
        traces.has_refusal = 1 as reason_refusal,
        coalesce(trace_evaluations.has_low_eval_score, 0) = 1 as reason_low_eval_score,
        coalesce(trace_evaluations.has_negative_feedback, 0) = 1 as reason_negative_feedback,
        traces.is_slower_than_p99 = 1 as reason_slower_than_tenant_p99,
        traces.is_cost_outlier = 1 as reason_cost_outlier,
        coalesce(trace_loops.has_agent_loop, 0) = 1 as reason_agent_loop,
        trace_regressions.trace_id is not null as reason_prompt_regression,
        coalesce(trace_retrievals.has_empty_retrieval, 0) = 1 as reason_empty_retrieval,
        coalesce(trace_evaluations.has_low_faithfulness, 0) = 1 as reason_low_faithfulness,
        trace_evaluations.min_eval_score,
        trace_evaluations.min_feedback_score
    from traces
    left join trace_evaluations
        on traces.trace_id = trace_evaluations.trace_id
    left join trace_loops
        on traces.trace_id = trace_loops.trace_id
    left join trace_regressions
        on traces.trace_id = trace_regressions.trace_id
    left join trace_retrievals
        on traces.trace_id = trace_retrievals.trace_id

),

scored as (

    select
        *,
        (case when reason_error then 5 else 0 end)
        + (case when reason_200_but_failed then 4 else 0 end)
        + (case when reason_negative_feedback then 4 else 0 end)
        + (case when reason_refusal then 3 else 0 end)
        + (case when reason_low_eval_score then 3 else 0 end)
        + (case when reason_agent_loop then 3 else 0 end)
        + (case when reason_prompt_regression then 3 else 0 end)
        + (case when reason_low_faithfulness then 3 else 0 end)
        + (case when reason_empty_retrieval then 2 else 0 end)
        + (case when reason_slower_than_tenant_p99 then 2 else 0 end)
        + (case when reason_cost_outlier then 2 else 0 end) as priority_score,
        concat(
            case when reason_error then 'error,' else '' end,
            case when reason_200_but_failed then '200_but_failed,' else '' end,
            case when reason_refusal then 'refusal,' else '' end,
            case when reason_low_eval_score then 'low_eval_score,' else '' end,
            case when reason_negative_feedback then 'negative_feedback,' else '' end,
            case when reason_slower_than_tenant_p99 then 'slower_than_tenant_p99,' else '' end,
            case when reason_cost_outlier then 'cost_outlier,' else '' end,
            case when reason_agent_loop then 'agent_loop,' else '' end,
            case when reason_prompt_regression then 'prompt_regression,' else '' end,
            case when reason_empty_retrieval then 'empty_retrieval,' else '' end,
            case when reason_low_faithfulness then 'low_faithfulness,' else '' end
        ) as reasons_with_trailing_comma
    from flagged

),

ranked as (

    select
        *,
        row_number() over (
            partition by candidate_date, tenant_key
            order by priority_score desc, trace_id asc
        ) as rank_in_tenant_day
    from scored
    where priority_score > 0

),

final as (

    select
        trace_id,
        candidate_date,
        tenant_id,
        feature,
        root_span_id,
        started_at,
        latency_ms,
        cost_usd,
        failure_reason,
        substr(reasons_with_trailing_comma, 1, length(reasons_with_trailing_comma) - 1) as reasons,
        reason_error,
        reason_200_but_failed,
        reason_refusal,
        reason_low_eval_score,
        reason_negative_feedback,
        reason_slower_than_tenant_p99,
        reason_cost_outlier,
        reason_agent_loop,
        reason_prompt_regression,
        reason_empty_retrieval,
        reason_low_faithfulness,
        min_eval_score,
        min_feedback_score,
        priority_score,
        case when priority_score >= 5 then 'high' when priority_score >= 3 then 'medium' else 'low' end as priority,
        rank_in_tenant_day
    from ranked
    where rank_in_tenant_day <= {{ var('eval_candidates_per_tenant_day') }}

)

select * from final
