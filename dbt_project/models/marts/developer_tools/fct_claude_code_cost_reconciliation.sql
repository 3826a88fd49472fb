{{ config(**date_partitioned('usage_date')) }}

{#- Claude Code cost two ways, per session and day: the `claude_code.cost.usage` counter (read with
    its temporality and resets) against the sum of the `api_request` events' `cost_usd`. They should
    agree; a difference is reported, never hidden: a lost export batch, a counter reset read wrongly,
    events without metrics (OTEL_METRICS_EXPORTER unset) or the reverse. Money to 9 decimals. -#}
with

metric_cost as (

    select
        session_hash,
        point_date as usage_date,
        max(tenant_id) as tenant_id,
        sum({{ money('round(point_increment, 9)') }}) as metric_cost_usd,
        count(*) as metric_points,
        count(case when is_reset then 1 end) as counter_resets
    from {{ ref('int_claude_code_counter_increments') }}
    where metric_name = 'claude_code.cost.usage' and {{ date_window('point_date') }}
    group by session_hash, point_date

),

event_cost as (

    select
        session_hash,
        log_date as usage_date,
        max(tenant_id) as tenant_id,
        sum(reported_cost_usd) as event_cost_usd,
        count(*) as api_requests
    from {{ ref('stg_claude_code__events') }}
    where event_kind = 'api_request' and {{ date_window('log_date') }}
    group by session_hash, log_date

),

joined as (

    select
        {{ hash_key(['coalesce(metric_cost.session_hash, event_cost.session_hash)',
                     'coalesce(metric_cost.usage_date, event_cost.usage_date)']) }} as reconciliation_key,
        coalesce(metric_cost.session_hash, event_cost.session_hash) as session_hash,
        coalesce(metric_cost.usage_date, event_cost.usage_date) as usage_date,
        coalesce(metric_cost.tenant_id, event_cost.tenant_id) as tenant_id,
        metric_cost.metric_cost_usd,
        event_cost.event_cost_usd,
        coalesce(metric_cost.metric_cost_usd, {{ money(0) }}) - coalesce(event_cost.event_cost_usd, {{ money(0) }})
            as difference_usd,
        coalesce(event_cost.api_requests, 0) as api_requests,
        coalesce(metric_cost.metric_points, 0) as metric_points,
        coalesce(metric_cost.counter_resets, 0) as counter_resets
    from metric_cost
    full outer join event_cost
        on metric_cost.session_hash is not distinct from event_cost.session_hash
        and metric_cost.usage_date = event_cost.usage_date

),

classified as (

    select
        *,
        case
            when metric_cost_usd is null then 'events_only'
            when event_cost_usd is null then 'metrics_only'
            when abs(difference_usd) <= {{ var('claude_code_reconciliation_tolerance_usd', 0.000001) }}
                then 'matched'
            else 'differs'
        end as reconciliation_status
    from joined

)

select * from classified
