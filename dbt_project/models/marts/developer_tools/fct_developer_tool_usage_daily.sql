{{ config(**date_partitioned('usage_date')) }}

{#- Claude Code use per day and person (hashed), with tenant and team: sessions, API requests, cost
    and tokens from the events; active time, lines changed, commits, pull requests and edit decisions
    from the counters (read with their temporality and resets). Cost per model is in the FinOps marts
    (Claude Code's api_request events are LLM calls there, feature `claude_code`); `main_model` here
    is the model that cost the person most that day. -#}
with

sessions as (

    select * from {{ ref('int_claude_code_sessions') }}
    where {{ date_window('session_date') }}

),

counters as (

    select * from {{ ref('int_claude_code_counter_increments') }}
    where {{ date_window('point_date') }}

),

session_days as (

    select
        session_date as usage_date,
        tenant_id,
        team,
        user_hash,
        count(*) as sessions,
        sum(prompts) as prompts,
        sum(api_requests) as api_requests,
        sum(api_errors) as api_errors,
        sum(event_cost_usd) as cost_usd,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(tool_calls) as tool_calls,
        sum(tool_rejections) as tool_rejections
    from sessions
    group by session_date, tenant_id, team, user_hash

),

main_models as (

    select
        session_date as usage_date,
        tenant_id,
        team,
        user_hash,
        main_model,
        row_number() over (
            partition by session_date, tenant_id, team, user_hash order by sum(event_cost_usd) desc, main_model
        ) as model_rank
    from sessions
    group by session_date, tenant_id, team, user_hash, main_model

),

counter_days as (

    select
        point_date as usage_date,
        tenant_id,
        team,
        user_hash,
        sum(case when metric_name = 'claude_code.active_time.total' then point_increment end) as active_seconds,
        sum(case when metric_name = 'claude_code.active_time.total' and point_type = 'user' then point_increment end)
            as active_seconds_user,
        sum(case when metric_name = 'claude_code.lines_of_code.count' and point_type = 'added' then point_increment end)
            as lines_added,
        sum(
            case
                when metric_name = 'claude_code.lines_of_code.count' and point_type = 'removed'
                    then point_increment
            end
        ) as lines_removed,
        sum(case when metric_name = 'claude_code.commit.count' then point_increment end) as commits,
        sum(case when metric_name = 'claude_code.pull_request.count' then point_increment end) as pull_requests,
        sum(
            case
                when metric_name = 'claude_code.code_edit_tool.decision' and decision = 'accept'
                    then point_increment
            end
        ) as edits_accepted,
        sum(
            case
                when metric_name = 'claude_code.code_edit_tool.decision' and decision = 'reject'
                    then point_increment
            end
        ) as edits_rejected
    from counters
    group by point_date, tenant_id, team, user_hash

),

joined as (

    select
        {{ hash_key([
            'coalesce(session_days.usage_date, counter_days.usage_date)',
            'coalesce(session_days.tenant_id, counter_days.tenant_id)',
            'coalesce(session_days.team, counter_days.team)',
            'coalesce(session_days.user_hash, counter_days.user_hash)'
        ]) }} as usage_key,
        coalesce(session_days.usage_date, counter_days.usage_date) as usage_date,
        coalesce(session_days.tenant_id, counter_days.tenant_id) as tenant_id,
        coalesce(session_days.team, counter_days.team) as team,
        coalesce(session_days.user_hash, counter_days.user_hash) as user_hash,
        main_models.main_model,
        coalesce(session_days.sessions, 0) as sessions,
        coalesce(session_days.prompts, 0) as prompts,
        coalesce(session_days.api_requests, 0) as api_requests,
        coalesce(session_days.api_errors, 0) as api_errors,
        coalesce(session_days.cost_usd, {{ money(0) }}) as cost_usd,
        coalesce(session_days.input_tokens, 0) as input_tokens,
        coalesce(session_days.output_tokens, 0) as output_tokens,
        coalesce(session_days.cache_read_tokens, 0) as cache_read_tokens,
        coalesce(session_days.cache_write_tokens, 0) as cache_write_tokens,
        coalesce(session_days.tool_calls, 0) as tool_calls,
        coalesce(session_days.tool_rejections, 0) as tool_rejections,
        coalesce(counter_days.active_seconds, 0) as active_seconds,
        coalesce(counter_days.active_seconds_user, 0) as active_seconds_user,
        coalesce(counter_days.lines_added, 0) as lines_added,
        coalesce(counter_days.lines_removed, 0) as lines_removed,
        coalesce(counter_days.commits, 0) as commits,
        coalesce(counter_days.pull_requests, 0) as pull_requests,
        coalesce(counter_days.edits_accepted, 0) as edits_accepted,
        coalesce(counter_days.edits_rejected, 0) as edits_rejected,
        case when coalesce(counter_days.edits_accepted, 0) + coalesce(counter_days.edits_rejected, 0) > 0
                then counter_days.edits_accepted
                    / (coalesce(counter_days.edits_accepted, 0) + coalesce(counter_days.edits_rejected, 0))
        end as edit_acceptance_rate
    from session_days
    full outer join counter_days
        on session_days.usage_date = counter_days.usage_date
        and session_days.tenant_id is not distinct from counter_days.tenant_id
        and session_days.team is not distinct from counter_days.team
        and session_days.user_hash is not distinct from counter_days.user_hash
    left join main_models
        on session_days.usage_date = main_models.usage_date
        and session_days.tenant_id is not distinct from main_models.tenant_id
        and session_days.team is not distinct from main_models.team
        and session_days.user_hash is not distinct from main_models.user_hash
        and main_models.model_rank = 1

)

select * from joined
