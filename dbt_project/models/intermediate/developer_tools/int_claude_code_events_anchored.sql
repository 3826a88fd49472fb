{{ config(**date_partitioned('log_date')) }}

{#- Every Claude Code event placed in its turn (the prompt's `prompt.id`, or without it the events up
    to the session's next user prompt, named by that prompt's log_id) and anchored to the latest skill
    activation, or the prompt itself, before it in that turn: the work an activation led to.
    Incremental by log_date: a turn may begin the day before, so `claude_code_context_days` more are read. -#}
with

events as (

    select * from {{ ref('stg_claude_code__events') }}
    where {{ date_window('log_date', var('claude_code_context_days')) }}

),

ordered as (

    select
        *,
        coalesce(event_sequence, 0) as sequence_key,
        -- the turn's prompt: a name that does not depend on which days were read (a running count would)
        last_value(case when event_kind = 'user_prompt' then log_id end ignore nulls) over (
            partition by session_hash
            order by logged_at, coalesce(event_sequence, 0), log_id
            rows between unbounded preceding and current row
        ) as turn_prompt_log_id
    from events

),

turns as (

    select
        *,
        coalesce(prompt_id, session_hash || '#' || coalesce(turn_prompt_log_id, 'before-first-prompt')) as turn_id
    from ordered

),

anchored as (

    -- each event belongs to the latest activation (or the prompt itself) before it in its turn
    select
        *,
        last_value(case when event_kind in ('skill_activated', 'user_prompt') then log_id end ignore nulls) over (
            partition by turn_id
            order by logged_at, sequence_key, case when event_kind = 'user_prompt' then 0 else 1 end, log_id
            rows between unbounded preceding and current row
        ) as anchor_log_id
    from turns

),

final as (

    select * from anchored
    where {{ date_window('log_date') }}

)

select * from final
