{#- What each Claude Code counter point adds, whatever its temporality. A DELTA point is its own
    point_increment. A CUMULATIVE point holds the running total since the series started: its point_increment is the
    difference to the series' previous point, unless the counter was reset (the process restarted: a
    new start time, or a value below the previous one), when the whole value is new. The first point of
    a series counts whole (its start time says the total began then). A point exported twice counts once. -#}
with

points as (

    select * from {{ ref('stg_claude_code__metric_points') }}

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
        lag(point_value) over (partition by series_id order by point_unix_nano, point_id) as previous_value,
        lag(series_start_unix_nano) over (partition by series_id order by point_unix_nano, point_id)
            as previous_start_unix_nano
    from deduplicated
    where copy_number = 1

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
        coalesce(
            aggregation_temporality = 'CUMULATIVE'
            and (point_value < previous_value or series_start_unix_nano <> previous_start_unix_nano),
            false
        ) as is_reset,
        case
            when aggregation_temporality <> 'CUMULATIVE' or previous_value is null then point_value
            when point_value < previous_value then point_value
            when series_start_unix_nano <> previous_start_unix_nano then point_value
            else point_value - previous_value
        end as point_increment
    from ordered

)

select * from increments
