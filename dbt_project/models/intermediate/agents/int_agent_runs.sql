{{ config(**date_partitioned('agent_run_date')) }}

{#- One row per agent run: the outermost agent span of a subtree (nested agents are its sub-agents).
    Steps are the LLM and tool calls below it. A loop is the same tool called
    `agent_loop_min_repeats` times in a row, or the same step name repeated that often in a row. -#}

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

tool_calls as (

    select * from {{ ref('int_tool_calls') }}
    where {{ date_window('tool_call_date', var('trace_context_days'), var('trace_context_days')) }}

),

runs as (

    select * from spans
    where agent_run_span_id = span_id

),

run_spans as (

    select
        trace_id,
        agent_run_span_id,
        count(*) as span_count,
        max(agent_depth) as max_agent_depth,
        max(span_depth) as max_span_depth,
        {{ count_where("status_code = 'ERROR'") }} as error_span_count
    from spans
    where agent_run_span_id is not null
    group by 1, 2

),

run_llm as (

    select
        trace_id,
        agent_run_span_id,
        count(*) as llm_call_count,
        {{ token_sums(['input_tokens', 'output_tokens', 'total_tokens']) }},
        sum(cost_usd) as cost_usd,
        {{ count_where("is_unpriced") }} as unpriced_call_count
    from llm_calls
    where agent_run_span_id is not null
    group by 1, 2

),

run_tools as (

    select
        trace_id,
        agent_run_span_id,
        count(*) as tool_call_count,
        {{ count_where("is_error") }} as tool_error_count,
        count(distinct tool_name) as distinct_tool_count,
        max(same_tool_streak_length) as max_same_tool_streak
    from tool_calls
    where agent_run_span_id is not null
    group by 1, 2

),

named_steps as (

    -- steps other than LLM and tool calls (chains, sub-agents, custom steps), in order
    select
        trace_id,
        agent_run_span_id,
        span_name,
        started_at,
        span_id,
        case
            when lag(span_name) over (partition by trace_id, agent_run_span_id order by started_at, span_id) = span_name
                then 0
            else 1
        end as is_new_name
    from spans
    where agent_run_span_id is not null
        and span_id != agent_run_span_id
        and coalesce(span_type, 'other') not in ('llm', 'embedding', 'tool')

),

named_step_islands as (

    select
        *,
        sum(is_new_name) over (
            partition by trace_id, agent_run_span_id order by started_at, span_id
            rows between unbounded preceding and current row
        ) as island_id
    from named_steps

),

run_step_repeats as (

    select
        trace_id,
        agent_run_span_id,
        max(island_length) as max_same_step_streak
    from (
        select
            trace_id,
            agent_run_span_id,
            island_id,
            count(*) as island_length
        from named_step_islands
        group by 1, 2, 3
    ) as islands
    group by 1, 2

),

final as (

    select
        runs.trace_id || '-' || runs.span_id as agent_run_id,
        runs.trace_id,
        runs.span_id as agent_span_id,
        runs.root_span_id,
        coalesce(runs.agent_name, runs.span_name) as agent_name,
        runs.started_at,
        runs.ended_at,
        runs.duration_ms,
        runs.tenant_id,
        runs.feature,
        runs.team,
        runs.status_code = 'ERROR' as is_error,
        coalesce(run_llm.llm_call_count, 0) + coalesce(run_tools.tool_call_count, 0) as step_count,
        coalesce(run_llm.llm_call_count, 0) as llm_call_count,
        coalesce(run_tools.tool_call_count, 0) as tool_call_count,
        coalesce(run_tools.tool_error_count, 0) as tool_error_count,
        coalesce(run_tools.distinct_tool_count, 0) as distinct_tool_count,
        coalesce(run_llm.input_tokens, 0) as input_tokens,
        coalesce(run_llm.output_tokens, 0) as output_tokens,
        coalesce(run_llm.total_tokens, 0) as total_tokens,
        run_llm.cost_usd,
        coalesce(run_llm.unpriced_call_count, 0) as unpriced_call_count,
        run_spans.max_agent_depth as agent_depth,
        run_spans.max_span_depth - runs.span_depth as step_depth,
        coalesce(run_tools.max_same_tool_streak, 0) as max_same_tool_streak,
        coalesce(run_step_repeats.max_same_step_streak, 0) as max_same_step_streak,
        (
            coalesce(run_tools.max_same_tool_streak, 0) >= {{ var('agent_loop_min_repeats') }}
            or coalesce(run_step_repeats.max_same_step_streak, 0) >= {{ var('agent_loop_min_repeats') }}
        ) as is_loop,
        case
            when coalesce(run_tools.max_same_tool_streak, 0) >= {{ var('agent_loop_min_repeats') }} then 'repeated_tool'
            when
                coalesce(run_step_repeats.max_same_step_streak, 0) >= {{ var('agent_loop_min_repeats') }}
                then 'repeated_step'
        end as loop_reason,
        runs.span_date as agent_run_date
    from runs
    left join run_spans
        on runs.trace_id = run_spans.trace_id and runs.span_id = run_spans.agent_run_span_id
    left join run_llm
        on runs.trace_id = run_llm.trace_id and runs.span_id = run_llm.agent_run_span_id
    left join run_tools
        on runs.trace_id = run_tools.trace_id and runs.span_id = run_tools.agent_run_span_id
    left join run_step_repeats
        on runs.trace_id = run_step_repeats.trace_id and runs.span_id = run_step_repeats.agent_run_span_id
    where {{ date_window('runs.span_date') }}

)

select * from final
