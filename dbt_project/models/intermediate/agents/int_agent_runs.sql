{{ config(**date_partitioned('agent_run_date')) }}

{#- One row per agent run: the outermost agent span of a subtree (nested agents are its sub-agents).
    Steps are the LLM and tool calls below it. A loop is the same tool called with the same
    arguments `agent_loop_min_repeats` times in a row (the arguments are content, dropped at landing:
    their keyed hash, content_hmac, tells equal from different); the same tool with changing
    arguments (a paginated search) is a loop only from `agent_tool_streak_min_repeats` calls in a row;
    where the instrumentation records no arguments, the same tool `agent_loop_min_repeats` times in a
    row is. So is the same step name repeated that often in a row (steps other than LLM and tool
    calls: chains, sub-agents, custom steps). Its length is the longest such streak. A run is runaway when it costs more, or takes more steps, than its
    agent's budget in effect that day (seed agent_budgets; a tenant's own row first). -#}

{%- set min_repeats = var('agent_loop_min_repeats') %}

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

runs as (

    select * from spans
    where agent_run_span_id = span_id

),

budgets as (

    select * from {{ ref('agent_budgets') }}

),

run_budgets as (

    -- the budget in effect on the run's day: the tenant's own row first, then the newest
    select
        runs.trace_id,
        runs.span_id,
        budgets.max_cost_usd_per_run,
        budgets.max_steps_per_run,
        row_number() over (
            partition by runs.trace_id, runs.span_id
            order by case when budgets.tenant_id is null then 1 else 0 end, budgets.effective_from desc
        ) as budget_rank
    from runs
    inner join budgets
        on coalesce(runs.agent_name, runs.span_name) = budgets.agent_name
        and (budgets.tenant_id is null or runs.tenant_id = budgets.tenant_id)
        and runs.span_date >= budgets.effective_from
        and (budgets.effective_to is null or runs.span_date < budgets.effective_to)

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

run_steps as (

    -- the tool executions of each run, and its named steps, each kind in order
    select
        trace_id,
        agent_run_span_id,
        'tool' as step_kind,
        coalesce(tool_name, span_name) as step_name,
        status_code = 'ERROR' as is_error,
        -- the agent asked for a tool that does not exist or with arguments it rejects
        status_code = 'ERROR' and (
            lower(error_type) like '%not%found%' or lower(error_type) like '%unknown%tool%'
            or lower(error_type) like '%invalid%tool%' or lower(error_type) like '%tool%not%'
            or lower(error_type) like '%invalid%argument%'
        ) as is_selection_error,
        content_hmac,
        started_at,
        span_id
    from spans
    where agent_run_span_id is not null
        and (span_type = 'tool' or operation_name = 'execute_tool')

    union all

    select
        trace_id,
        agent_run_span_id,
        'named' as step_kind,
        span_name as step_name,
        false as is_error,
        false as is_selection_error,
        cast(null as {{ t_string() }}) as content_hmac,
        started_at,
        span_id
    from spans
    where agent_run_span_id is not null
        and span_id != agent_run_span_id
        and coalesce(span_type, 'other') not in ('llm', 'embedding', 'tool')

),

step_streaks as (

    -- gaps and islands: a new streak starts whenever the step name changes; an identical-call streak
    -- also whenever the arguments do (or are not recorded)
    select
        *,
        sum(case when step_name = previous_step_name then 0 else 1 end) over (
            partition by trace_id, agent_run_span_id, step_kind order by started_at, span_id
            rows between unbounded preceding and current row
        ) as streak_id,
        sum(
            case when step_name = previous_step_name and content_hmac = previous_content_hmac then 0 else 1 end
        ) over (
            partition by trace_id, agent_run_span_id, step_kind order by started_at, span_id
            rows between unbounded preceding and current row
        ) as identical_streak_id
    from (
        select
            *,
            lag(step_name) over (
                partition by trace_id, agent_run_span_id, step_kind order by started_at, span_id
            ) as previous_step_name,
            lag(content_hmac) over (
                partition by trace_id, agent_run_span_id, step_kind order by started_at, span_id
            ) as previous_content_hmac
        from run_steps
    ) as steps_in_order

),

identical_calls as (

    -- the longest run of one tool called with the same arguments, per agent run
    select
        trace_id,
        agent_run_span_id,
        max(streak_length) as max_identical_call_streak
    from (
        select
            trace_id,
            agent_run_span_id,
            identical_streak_id,
            count(*) as streak_length
        from step_streaks
        where step_kind = 'tool' and content_hmac is not null
        group by 1, 2, 3
    ) as identical_streaks
    group by 1, 2

),

run_steps_summarized as (

    select
        trace_id,
        agent_run_span_id,
        cast(sum(case when step_kind = 'tool' then streak_length else 0 end) as {{ t_int() }}) as tool_call_count,
        cast(sum(case when step_kind = 'tool' then error_count else 0 end) as {{ t_int() }}) as tool_error_count,
        cast(sum(case when step_kind = 'tool' then selection_error_count else 0 end) as {{ t_int() }})
            as tool_selection_error_count,
        count(distinct case when step_kind = 'tool' then step_name end) as distinct_tool_count,
        max(case when step_kind = 'tool' then streak_length end) as max_same_tool_streak,
        max(case when step_kind = 'named' then streak_length end) as max_same_step_streak,
        max(case when step_kind = 'tool' and has_arguments then 1 else 0 end) = 1 as has_tool_arguments
    from (
        select
            trace_id,
            agent_run_span_id,
            step_kind,
            streak_id,
            step_name,
            count(*) as streak_length,
            {{ count_where("is_error") }} as error_count,
            {{ count_where("is_selection_error") }} as selection_error_count,
            max(case when content_hmac is not null then 1 else 0 end) = 1 as has_arguments
        from step_streaks
        group by 1, 2, 3, 4, 5
    ) as streaks
    group by 1, 2

),

measured as (

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
        coalesce(run_llm.llm_call_count, 0) + coalesce(steps.tool_call_count, 0) as step_count,
        coalesce(run_llm.llm_call_count, 0) as llm_call_count,
        coalesce(steps.tool_call_count, 0) as tool_call_count,
        coalesce(steps.tool_error_count, 0) as tool_error_count,
        coalesce(steps.tool_selection_error_count, 0) as tool_selection_error_count,
        coalesce(steps.distinct_tool_count, 0) as distinct_tool_count,
        coalesce(run_llm.input_tokens, 0) as input_tokens,
        coalesce(run_llm.output_tokens, 0) as output_tokens,
        coalesce(run_llm.total_tokens, 0) as total_tokens,
        run_llm.cost_usd,
        coalesce(run_llm.unpriced_call_count, 0) as unpriced_call_count,
        run_spans.max_agent_depth as agent_depth,
        run_spans.max_span_depth - runs.span_depth as step_depth,
        coalesce(steps.max_same_tool_streak, 0) as max_same_tool_streak,
        coalesce(steps.max_same_step_streak, 0) as max_same_step_streak,
        coalesce(identical_calls.max_identical_call_streak, 0) as max_identical_call_streak,
        case
            when coalesce(identical_calls.max_identical_call_streak, 0) >= {{ min_repeats }}
                then 'repeated_identical_call'
            when
                coalesce(steps.max_same_tool_streak, 0) >= case
                    when steps.has_tool_arguments then {{ var('agent_tool_streak_min_repeats') }}
                    else {{ min_repeats }}
                end
                then 'repeated_tool'
            when coalesce(steps.max_same_step_streak, 0) >= {{ min_repeats }} then 'repeated_step'
        end as loop_reason,
        run_budgets.max_cost_usd_per_run as budget_cost_usd,
        run_budgets.max_steps_per_run as budget_steps,
        runs.span_date as agent_run_date
    from runs
    left join run_spans
        on runs.trace_id = run_spans.trace_id and runs.span_id = run_spans.agent_run_span_id
    left join run_llm
        on runs.trace_id = run_llm.trace_id and runs.span_id = run_llm.agent_run_span_id
    left join run_steps_summarized as steps
        on runs.trace_id = steps.trace_id and runs.span_id = steps.agent_run_span_id
    left join identical_calls
        on runs.trace_id = identical_calls.trace_id and runs.span_id = identical_calls.agent_run_span_id
    left join run_budgets
        on runs.trace_id = run_budgets.trace_id and runs.span_id = run_budgets.span_id
        and run_budgets.budget_rank = 1
    where {{ date_window('runs.span_date') }}

),

final as (

    select
        agent_run_id,
        trace_id,
        agent_span_id,
        root_span_id,
        agent_name,
        started_at,
        ended_at,
        duration_ms,
        tenant_id,
        feature,
        team,
        is_error,
        step_count,
        llm_call_count,
        tool_call_count,
        tool_error_count,
        tool_selection_error_count,
        distinct_tool_count,
        input_tokens,
        output_tokens,
        total_tokens,
        cost_usd,
        unpriced_call_count,
        agent_depth,
        step_depth,
        max_same_tool_streak,
        max_same_step_streak,
        max_identical_call_streak,
        loop_reason is not null as is_loop,
        loop_reason,
        case
            when loop_reason = 'repeated_identical_call' then max_identical_call_streak
            when loop_reason = 'repeated_tool' then max_same_tool_streak
            when loop_reason = 'repeated_step' then max_same_step_streak
        end as loop_length,
        budget_cost_usd,
        budget_steps,
        coalesce(cost_usd > budget_cost_usd, false) or coalesce(step_count > budget_steps, false) as is_runaway,
        case
            when cost_usd > budget_cost_usd then 'cost'
            when step_count > budget_steps then 'steps'
        end as runaway_reason,
        case
            when is_error then 'error'
            when coalesce(cost_usd > budget_cost_usd, false) or coalesce(step_count > budget_steps, false)
                then 'runaway'
            when loop_reason is not null then 'looped'
            else 'completed'
        end as outcome,
        agent_run_date
    from measured

)

select * from final
