{{ config(**date_partitioned('point_date')) }}

{#- Sums (counters and up-down counters) as increases: one row per point with the increase over its
    own interval. Delta points are increases already; a cumulative point minus the previous point of
    its series, unless the series restarted (new start time, or a monotonic value that dropped): then
    its whole value, which accrued since the restart. Reading a few days before the window
    (metric_context_days) means a cumulative series read over many days is counted once. -#}

with

points as (

    {{ metric_points_read(['sum']) }}

),

sequenced as (

    {{ sequenced_points(['point_value']) }}

),

based as (

    select
        *,
        case
            when aggregation_temporality = 'CUMULATIVE' and not is_monotonic
                and previous_time_unix_nano is not null
                and start_time_unix_nano = previous_start_time_unix_nano then 'difference'
            when aggregation_temporality = 'CUMULATIVE' and not is_monotonic
                and previous_time_unix_nano is not null then 'since_start'
            else {{ delta_basis('point_value', 'previous_point_value', date_epoch_ns('first_date_read')) }}
        end as delta_basis
    from sequenced

),

final as (

    select
        point_id,
        series_id,
        metric_name,
        metric_unit,
        aggregation_temporality,
        is_monotonic,
        point_at,
        {{ hour_start('point_at') }} as point_hour,
        point_date,
        point_value,
        delta_basis,
        case delta_basis
            when 'delta' then point_value
            when 'since_start' then point_value
            when 'difference' then point_value - previous_point_value
        end as delta_value,
        cast(time_unix_nano - case
            when delta_basis = 'difference' then previous_time_unix_nano
            else start_time_unix_nano
        end as {{ t_float() }}) / 1e9 as interval_seconds,
        delta_basis = 'since_start' and previous_time_unix_nano is not null as is_reset,
        {{ metric_point_dimensions() }},
        scope_name
    from based
    where {{ date_window('point_date') }}

)

select * from final
