{{ config(**date_partitioned('session_date')) }}

{#- One row per Claude Code session (hashed id) from its events: who, when, the model it used most and
    what its API requests cost by the events' own `cost_usd`. Dated by its first event. Incremental by
    session_date: a session of the window may go on past midnight and one of the day before may reach
    into it, so `claude_code_context_days` are read either side; a session is kept on the date of its
    first event read (a session idle longer than that is seen anew). -#}
with

events as (

    select * from {{ ref('stg_claude_code__events') }}
    where session_hash is not null
        and {{ date_window('log_date', var('claude_code_context_days'), var('claude_code_context_days')) }}

),

model_requests as (

    select
        session_hash,
        model,
        count(*) as requests,
        row_number() over (partition by session_hash order by count(*) desc, model) as model_rank
    from events
    where event_kind = 'api_request' and model is not null
    group by session_hash, model

),

sessions as (

    select
        session_hash,
        min(log_date) as session_date,
        min(logged_at) as started_at,
        max(logged_at) as last_event_at,
        max(tenant_id) as tenant_id,
        max(user_hash) as user_hash,
        max(team) as team,
        count(case when event_kind = 'user_prompt' then 1 end) as prompts,
        count(case when event_kind = 'api_request' then 1 end) as api_requests,
        count(case when event_kind = 'api_error' then 1 end) as api_errors,
        coalesce(sum(case when event_kind = 'api_request' then reported_cost_usd end), {{ money(0) }})
            as event_cost_usd,
        coalesce(sum(case when event_kind = 'api_request' then input_tokens end), 0) as input_tokens,
        coalesce(sum(case when event_kind = 'api_request' then output_tokens end), 0) as output_tokens,
        coalesce(sum(case when event_kind = 'api_request' then cache_read_tokens end), 0) as cache_read_tokens,
        coalesce(sum(case when event_kind = 'api_request' then cache_write_tokens end), 0) as cache_write_tokens,
        count(case when event_kind = 'tool_result' then 1 end) as tool_calls,
        count(case when event_kind = 'tool_decision' and decision = 'reject' then 1 end) as tool_rejections,
        max(case when event_kind = 'tool_result' and has_tool_details then 1 else 0 end) = 1
            as has_tool_details
    from events
    group by session_hash

),

joined as (

    select
        sessions.*,
        model_requests.model as main_model
    from sessions
    left join model_requests
        on sessions.session_hash = model_requests.session_hash and model_requests.model_rank = 1
    where {{ date_window('sessions.session_date') }}

)

select * from joined
