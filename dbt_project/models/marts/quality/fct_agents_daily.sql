{{ config(**date_partitioned('agent_run_date')) }}

{#- Daily agent health per agent x tenant: runs, step and cost percentiles, how often runs loop,
    run away from their budget or error, and how often the agent picks a tool that fails it. -#}

with

runs as (

    select * from {{ ref('int_agent_runs') }}
    where {{ date_window('agent_run_date') }}

),

keyed as (

    select
        runs.*,
        coalesce(runs.tenant_id, '{{ var("unknown_label") }}') as tenant_key
    from runs

),

grouped as (

    select
        agent_run_date,
        agent_name,
        tenant_key as tenant_id,
        count(*) as run_count,
        {{ count_where('is_error') }} as error_run_count,
        {{ count_where('is_loop') }} as loop_run_count,
        {{ count_where('is_runaway') }} as runaway_run_count,
        {{ count_where("runaway_reason = 'cost'") }} as cost_runaway_run_count,
        max(loop_length) as max_loop_length,
        {{ percentile('step_count', 0.5) }} as steps_p50,
        {{ percentile('step_count', 0.95) }} as steps_p95,
        max(step_count) as steps_max,
        sum(cost_usd) as cost_usd,
        {{ percentile('cast(cost_usd as ' ~ t_float() ~ ')', 0.95) }} as cost_per_run_p95_usd,
        {{ percentile('duration_ms', 0.95) }} as duration_p95_ms,
        cast(sum(llm_call_count) as {{ t_int() }}) as llm_call_count,
        cast(sum(tool_call_count) as {{ t_int() }}) as tool_call_count,
        cast(sum(tool_error_count) as {{ t_int() }}) as tool_error_count,
        cast(sum(tool_selection_error_count) as {{ t_int() }}) as tool_selection_error_count,
        max(agent_depth) as max_agent_depth
    from keyed
    group by 1, 2, 3

),

final as (

    select
        {{ hash_key(['agent_run_date', 'agent_name', 'tenant_id']) }} as agent_day_id,
        agent_run_date,
        agent_name,
        tenant_id,
        run_count,
        error_run_count,
        loop_run_count,
        runaway_run_count,
        cost_runaway_run_count,
        cast(loop_run_count as {{ t_float() }}) / run_count as loop_rate,
        cast(runaway_run_count as {{ t_float() }}) / run_count as runaway_rate,
        cast(error_run_count as {{ t_float() }}) / run_count as error_rate,
        max_loop_length,
        steps_p50,
        steps_p95,
        steps_max,
        cost_usd,
        cost_per_run_p95_usd,
        duration_p95_ms,
        llm_call_count,
        tool_call_count,
        tool_error_count,
        tool_selection_error_count,
        case when tool_call_count > 0 then cast(tool_error_count as {{ t_float() }}) / tool_call_count end
            as tool_error_rate,
        max_agent_depth
    from grouped

)

select * from final
