{{ config(**date_partitioned('activation_date')) }}

{#- Skill usage per day, skill and tenant: activations by trigger, distinct people (hashed) and
    sessions, the tool calls that followed and their harness failures, p95 tool duration, and the API
    cost and tokens attributed to the activations. Harness failures count tools the harness could not
    run; a command that ran and failed (`exit 1`) is a harness success and is not in them. -#}
with

activations as (

    select * from {{ ref('int_skill_activations') }}
    where {{ date_window('activation_date') }}

),

daily as (

    select
        activation_date,
        skill_name,
        tenant_id,
        count(*) as activations,
        count(case when invocation_trigger = 'user-slash' then 1 end) as user_slash_activations,
        count(case when invocation_trigger = 'claude-proactive' then 1 end) as proactive_activations,
        count(case when invocation_trigger = 'nested-skill' then 1 end) as nested_activations,
        count(case when evidence = 'slash_command_only' then 1 end) as slash_only_activations,
        count(distinct user_hash) as people,
        count(distinct session_hash) as sessions,
        sum(tool_calls) as tool_calls,
        sum(tool_harness_failures) as tool_harness_failures,
        sum(command_reruns) as command_reruns,
        count(case when is_without_tool_work then 1 end) as activations_without_tool_work,
        sum(api_requests) as api_requests,
        sum(attributed_cost_usd) as attributed_cost_usd,
        sum(attributed_tokens) as attributed_tokens,
        max(case when is_name_redacted then 1 else 0 end) = 1 as is_placeholder_name
    from activations
    group by activation_date, skill_name, tenant_id

),

tool_durations as (

    select
        activations.activation_date,
        activations.skill_name,
        activations.tenant_id,
        {{ percentile('events.duration_ms', 0.95) }} as p95_tool_duration_ms
    from activations
    inner join {{ ref('int_claude_code_events_anchored') }} as events
        on activations.activation_id = events.anchor_log_id
        and events.event_kind = 'tool_result'
        and events.tool_name <> 'Skill'
        and {{ date_window('events.log_date', 0, var('claude_code_context_days')) }}
    group by activations.activation_date, activations.skill_name, activations.tenant_id

),

joined as (

    select
        {{ hash_key(['daily.activation_date', 'daily.skill_name', 'daily.tenant_id']) }} as skill_day_key,
        daily.*,
        tool_durations.p95_tool_duration_ms
    from daily
    left join tool_durations
        on daily.activation_date = tool_durations.activation_date
        and daily.skill_name = tool_durations.skill_name
        and daily.tenant_id is not distinct from tool_durations.tenant_id

)

select * from joined
