{{ config(**date_partitioned('point_date')) }}

{#- What each Claude Code counter point adds, whatever its temporality (macro delta_basis, as the
    metrics models read counters: docs/metrics.md). A DELTA point is its own increment. A CUMULATIVE
    point holds the running total since its series started: its increment is the difference to the
    series' previous point, unless the counter was reset (the process restarted: a new start time, or
    a value below the previous one), when the whole value is new. The first point read of a series
    counts whole when the series began within the days read, and nothing when it began before
    (`no_baseline`: an earlier day counted that total). A point exported twice counts once.
    Incremental by point_date, reading `metric_context_days` before the window so its first point finds
    its predecessor. -#}
{#- the earliest day read: the window's start less the context days, or the first day with a point -#}
{%- set window_start = add_days(date_literal(var('min_date')), -var('metric_context_days'))
    if var('min_date', none) else none -%}
{%- set first_date_read = window_start if is_incremental() and window_start else 'min(point_date) over ()' %}
with

points as (

    select
        *,
        {{ first_date_read }} as first_date_read
    from {{ ref('stg_claude_code__metric_points') }}
    where {{ date_window('point_date', var('metric_context_days')) }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by series_id, series_start_unix_nano, point_unix_nano, point_value order by point_id
        ) as copy_number
    from points

),

ordered as (

    select
        *,
        series_start_unix_nano as start_time_unix_nano,
        lag(point_value) over (partition by series_id order by point_unix_nano, point_id) as previous_value,
        lag(point_unix_nano) over (partition by series_id order by point_unix_nano, point_id)
            as previous_time_unix_nano,
        lag(series_start_unix_nano) over (partition by series_id order by point_unix_nano, point_id)
            as previous_start_time_unix_nano
    from deduplicated
    where copy_number = 1

),

based as (

    select
        *,
        {{ delta_basis('point_value', 'previous_value', date_epoch_ns('first_date_read')) }} as increment_basis
    from ordered

),

increments as (

    select
        point_id,
        series_id,
        metric_name,
        aggregation_temporality,
        point_at,
        point_date,
        tenant_id,
        user_hash,
        session_hash,
        team,
        model,
        point_type,
        skill_name,
        decision,
        tool_name,
        point_value,
        increment_basis,
        increment_basis = 'since_start' and previous_value is not null as is_reset,
        case increment_basis
            when 'delta' then point_value
            when 'since_start' then point_value
            when 'difference' then point_value - previous_value
            else 0
        end as point_increment
    from based
    where {{ date_window('point_date') }}

)

select * from increments
