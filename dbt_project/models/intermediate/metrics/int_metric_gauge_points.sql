{{ config(**date_partitioned('point_date')) }}

{#- Levels: gauge points, and cumulative up-down counters (non-monotonic sums), whose value is the
    current level too (queue depth, in-flight requests). A level is sampled, never added up over time:
    marts take its average, max or percentile over the samples of an hour. -#}

with

points as (

    select * from {{ ref('stg_otlp__metric_points') }}
    where {{ date_window('point_date') }}
        and (
            metric_type = 'gauge'
            or metric_type = 'sum' and not is_monotonic and aggregation_temporality = 'CUMULATIVE'
        )

),

final as (

    select
        point_id,
        series_id,
        metric_name,
        metric_unit,
        metric_type,
        point_at,
        {{ hour_start('point_at') }} as point_hour,
        point_date,
        point_value,
        {{ metric_point_dimensions() }},
        scope_name
    from points

)

select * from final
