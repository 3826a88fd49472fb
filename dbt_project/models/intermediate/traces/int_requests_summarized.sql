{{ config(**date_partitioned('request_date')) }}

{#- One row per end-to-end request (a root span): latency, time to first token, status, and what
    happened below it. A request answered with HTTP 2xx still failed ("200 but failed") when a span
    below it errored, an answer was empty (no output tokens), cut off (finish reason length),
    filtered (content_filter), refused, or could not be parsed. -#}

with

spans as (

    select * from {{ ref('int_spans_attributed') }}
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

llm_calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    where call_source = 'span'
        and {{ date_window('call_date', var('trace_context_days'), var('trace_context_days')) }}

),

roots as (

    select * from spans
    where is_root and {{ date_window('span_date') }}

),

descendants as (

    select
        trace_id,
        root_span_id,
        count(*) as span_count,
        {{ count_where("span_type = 'tool' or operation_name = 'execute_tool'") }} as tool_call_count,
        {{ count_where("span_id != root_span_id and status_code = 'ERROR'") }} as child_error_count,
        max(case
            when span_id != root_span_id and status_code = 'ERROR'
                and (
                    lower(error_type) like '%pars%'
                    or lower(error_type) like '%json%'
                    or lower(error_type) like '%validation%'
                )
                then 1
            else 0
        end) as has_parse_failure,
        max(case when is_agent_span then 1 else 0 end) as has_agent,
        max(span_depth) as max_span_depth
    from spans
    group by 1, 2

),

calls as (

    select
        trace_id,
        root_span_id,
        count(*) as llm_call_count,
        {{ count_where("is_retry") }} as retry_count,
        {{ count_where("is_fallback") }} as fallback_count,
        {{ count_where("is_error") }} as llm_error_count,
        {{ count_where("is_empty_output") }} as empty_output_count,
        {{ count_where("is_truncated") }} as truncated_count,
        {{ count_where("is_content_filtered") }} as content_filtered_count,
        {{ count_where("is_refusal") }} as refusal_count,
        {{ count_where("is_unpriced") }} as unpriced_call_count,
        {{ token_sums([
            'input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'total_tokens'
        ]) }},
        sum(cost_usd) as cost_usd,
        -- rounded: float sums depend on the order of parallel aggregation, reruns must be identical
        round(sum(latency_ms), 3) as llm_latency_ms,
        -- time from the request's start to the first token of its first streamed answer
        min(case
            when ttft_ms is not null then {{ diff_ms('root_started_at', 'started_at') }} + ttft_ms
        end) as first_token_offset_ms,
        max(model) as any_model
    from (
        select
            llm_calls.*,
            roots.started_at as root_started_at
        from llm_calls
        inner join roots
            on llm_calls.trace_id = roots.trace_id and llm_calls.root_span_id = roots.span_id
    ) as calls_of_roots
    group by 1, 2

),

joined as (

    select
        roots.trace_id || '-' || roots.span_id as request_id,
        roots.trace_id,
        roots.span_id as root_span_id,
        roots.span_name as request_name,
        roots.started_at,
        roots.ended_at,
        roots.request_date_source as request_date,
        roots.tenant_id,
        roots.feature,
        roots.team,
        roots.user_hash,
        roots.session_hash,
        roots.conversation_id,
        roots.deployment_environment,
        roots.service_name,
        roots.service_version,
        roots.prompt_version,
        roots.sample_rate,
        {{ sample_weight('roots.sample_rate') }} as sample_weight,
        roots.duration_ms as latency_ms,
        coalesce(roots.ttft_ms, calls.first_token_offset_ms) as ttft_ms,
        roots.status_code,
        roots.http_status_code,
        roots.error_type,
        coalesce(descendants.span_count, 1) as span_count,
        coalesce(descendants.max_span_depth, 0) as max_span_depth,
        coalesce(descendants.has_agent, 0) = 1 as has_agent,
        coalesce(calls.llm_call_count, 0) as llm_call_count,
        coalesce(descendants.tool_call_count, 0) as tool_call_count,
        coalesce(calls.retry_count, 0) as retry_count,
        coalesce(calls.fallback_count, 0) as fallback_count,
        coalesce(descendants.child_error_count, 0) as child_error_count,
        coalesce(calls.input_tokens, 0) as input_tokens,
        coalesce(calls.cache_read_tokens, 0) as cache_read_tokens,
        coalesce(calls.cache_write_tokens, 0) as cache_write_tokens,
        coalesce(calls.output_tokens, 0) as output_tokens,
        coalesce(calls.reasoning_tokens, 0) as reasoning_tokens,
        coalesce(calls.total_tokens, 0) as total_tokens,
        calls.cost_usd,
        coalesce(calls.unpriced_call_count, 0) as unpriced_call_count,
        calls.llm_latency_ms,
        roots.status_code = 'ERROR' or coalesce(roots.http_status_code >= 400, false) as is_error,
        coalesce(calls.empty_output_count, 0) > 0 as has_empty_output,
        coalesce(calls.truncated_count, 0) > 0 as has_truncated_output,
        coalesce(calls.content_filtered_count, 0) > 0 as has_content_filter,
        coalesce(calls.refusal_count, 0) > 0 as has_refusal,
        coalesce(descendants.has_parse_failure, 0) = 1 as has_parse_failure,
        coalesce(descendants.child_error_count, 0) > 0 as has_child_error
    from (
        select
            *,
            span_date as request_date_source
        from roots
    ) as roots
    left join descendants
        on roots.trace_id = descendants.trace_id and roots.span_id = descendants.root_span_id
    left join calls
        on roots.trace_id = calls.trace_id and roots.span_id = calls.root_span_id

),

final as (

    select
        *,
        not is_error and (
            has_child_error or has_empty_output or has_truncated_output
            or has_content_filter or has_refusal or has_parse_failure
        ) as is_failed_200,
        case
            when is_error then 'error'
            when has_child_error or has_empty_output or has_truncated_output
                or has_content_filter or has_refusal or has_parse_failure then 'failed_200'
            else 'ok'
        end as request_status,
        case
            when is_error then coalesce(error_type, 'error')
            when has_parse_failure then 'parse_failure'
            when has_child_error then 'child_error'
            when has_refusal then 'refusal'
            when has_content_filter then 'content_filter'
            when has_truncated_output then 'truncated'
            when has_empty_output then 'empty_output'
        end as failure_reason
    from joined

)

select * from final
