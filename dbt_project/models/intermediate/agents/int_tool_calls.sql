{{ config(**date_partitioned('tool_call_date')) }}

{#- One row per tool execution span, with its place in the sequence of tool calls of its agent run
    (or request) and how many times in a row the same tool has been called. -#}

with

spans as (

    select * from {{ ref('int_spans_attributed') }}
    where {{ date_window('span_date', var('trace_context_days'), var('trace_context_days')) }}

),

tools as (

    select
        trace_id || '-' || span_id as tool_call_id,
        trace_id,
        span_id,
        parent_span_id,
        root_span_id,
        agent_run_span_id,
        coalesce(tool_name, span_name) as tool_name,
        started_at,
        ended_at,
        duration_ms as latency_ms,
        status_code = 'ERROR' as is_error,
        error_type,
        tenant_id,
        feature,
        team,
        span_date as tool_call_date
    from spans
    where span_type = 'tool' or operation_name = 'execute_tool'

),

sequenced as (

    select
        *,
        row_number() over (
            partition by trace_id, coalesce(agent_run_span_id, root_span_id) order by started_at, span_id
        ) as tool_call_sequence,
        lag(tool_name) over (
            partition by trace_id, coalesce(agent_run_span_id, root_span_id) order by started_at, span_id
        ) as previous_tool_name
    from tools

),

streaks as (

    -- gaps and islands: a new island starts whenever the tool changes
    select
        *,
        sum(case when previous_tool_name = tool_name then 0 else 1 end) over (
            partition by trace_id, coalesce(agent_run_span_id, root_span_id)
            order by started_at, span_id
            rows between unbounded preceding and current row
        ) as tool_streak_id
    from sequenced

),

final as (

    select
        tool_call_id,
        trace_id,
        span_id,
        parent_span_id,
        root_span_id,
        agent_run_span_id,
        tool_name,
        started_at,
        ended_at,
        latency_ms,
        is_error,
        error_type,
        tenant_id,
        feature,
        team,
        tool_call_sequence,
        previous_tool_name,
        row_number() over (
            partition by trace_id, coalesce(agent_run_span_id, root_span_id), tool_streak_id
            order by started_at, span_id
        ) as same_tool_streak_length,
        tool_call_date
    from streaks
    where {{ date_window('tool_call_date') }}

)

select * from final
