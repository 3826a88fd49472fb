{{ config(**date_partitioned('activation_date')) }}

{#- One row per skill activation, with the work that followed it: the tool calls, API requests and
    permission decisions after the activation in the same prompt (`prompt.id`, or without it the
    events up to the session's next user prompt), until the next activation of that prompt.

    A slash command of a skill may be logged only as a user prompt with `command_name` (older releases
    emit no skill_activated for it): such a prompt with no activation is a row too, evidence
    `slash_command_only`, so it is counted and marked, never silently missing.
    Incremental by activation_date: the work may run past midnight, so `claude_code_context_days` after. -#}
with

anchored as (

    select * from {{ ref('int_claude_code_events_anchored') }}
    where {{ date_window('log_date', 0, var('claude_code_context_days')) }}

),

followed as (

    select
        anchor_log_id,
        count(case when event_kind = 'tool_result' and tool_name <> 'Skill' then 1 end) as tool_calls,
        count(case when event_kind = 'tool_result' and tool_name <> 'Skill' and not is_harness_success then 1 end)
            as tool_harness_failures,
        -- the same shell command run again: it likely failed, though the harness reported success.
        -- Only where the command's keyed hash is known (tool details on); otherwise nothing is counted.
        count(case when event_kind = 'tool_result' and bash_command_hmac is not null then 1 end)
        - count(distinct case when event_kind = 'tool_result' then bash_command_hmac end) as command_reruns,
        count(case when event_kind = 'tool_decision' and decision = 'reject' then 1 end) as tool_rejections,
        count(case when event_kind = 'api_request' then 1 end) as api_requests,
        count(case when event_kind = 'api_error' then 1 end) as api_errors,
        sum(case when event_kind = 'api_request' then reported_cost_usd end) as attributed_cost_usd,
        sum(case when event_kind = 'api_request' then
                coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
                + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
        end) as attributed_tokens,
        max(case when event_kind = 'tool_result' and tool_name = 'Skill' then tool_skill_name end)
            as tool_skill_name
    from anchored
    where event_kind <> 'skill_activated' or log_id <> anchor_log_id
    group by anchor_log_id

),

turn_activations as (

    select
        turn_id,
        count(*) as activations
    from anchored
    where event_kind = 'skill_activated'
    group by turn_id

),

evidence as (

    -- the events an activation is known by: skill_activated, or a custom slash command with none in its turn
    select
        turns.*,
        case when turns.event_kind = 'skill_activated' then 'skill_activated' else 'slash_command_only' end
            as evidence
    from anchored as turns
    left join turn_activations on turns.turn_id = turn_activations.turn_id
    where turns.event_kind = 'skill_activated'
        or (
            turns.event_kind = 'user_prompt'
            and turns.command_source = 'custom'
            and turn_activations.activations is null
        )

),

activations as (

    select
        evidence.log_id as activation_id,
        evidence.evidence,
        evidence.logged_at as activated_at,
        evidence.log_date as activation_date,
        evidence.tenant_id,
        evidence.user_hash,
        evidence.session_hash,
        evidence.team,
        evidence.turn_id,
        -- a redacted name may still be named by the Skill tool's parameters (tool details on)
        case
            when evidence.evidence = 'slash_command_only' then evidence.command_name
            when evidence.skill_name in ('custom_skill', 'third-party') and followed.tool_skill_name is not null
                then followed.tool_skill_name
            else coalesce(evidence.skill_name, followed.tool_skill_name, 'custom_skill')
        end as skill_name,
        case
            when evidence.evidence = 'slash_command_only' then 'user-slash'
            else coalesce(evidence.invocation_trigger, 'unknown')
        end as invocation_trigger,
        evidence.skill_source,
        evidence.plugin_name,
        coalesce(followed.tool_calls, 0) as tool_calls,
        coalesce(followed.tool_harness_failures, 0) as tool_harness_failures,
        coalesce(followed.command_reruns, 0) as command_reruns,
        coalesce(followed.tool_rejections, 0) as tool_rejections,
        coalesce(followed.api_requests, 0) as api_requests,
        coalesce(followed.api_errors, 0) as api_errors,
        coalesce(followed.attributed_cost_usd, {{ money(0) }}) as attributed_cost_usd,
        coalesce(followed.attributed_tokens, 0) as attributed_tokens
    from evidence
    left join followed on evidence.log_id = followed.anchor_log_id
    where {{ date_window('evidence.log_date') }}

),

flagged as (

    select
        *,
        skill_name in ('custom_skill', 'third-party', 'custom') as is_name_redacted,
        tool_calls = 0 as is_without_tool_work
    from activations

)

select * from flagged
