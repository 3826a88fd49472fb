{{ config(**date_partitioned('point_date')) }}

{#- Summaries, one row per point: count and sum as increases (the same rule as sums: see
    delta_basis) and the quantiles the client computed. Those quantiles cover the client's own
    window over one series and cannot be merged across points, series or hours (no buckets): marts
    show them per point or not at all; merged quantiles come from histograms. -#}

with

points as (

    {{ metric_points_read(['summary']) }}

),

sequenced as (

    {{ sequenced_points(['point_count', 'point_sum']) }}

),

based as (

    select
        *,
        {{ delta_basis(
            'point_count', 'previous_point_count', date_epoch_ns('first_date_read'), 'summary_temporality'
        ) }} as delta_basis
    from (
        -- OTLP gives summaries no temporality: a point that starts where its predecessor ended is a
        -- delta (a reset-per-export client), one that shares the run's start time is cumulative.
        select
            *,
            case when start_time_unix_nano >= previous_time_unix_nano then 'DELTA' else 'CUMULATIVE' end
                as summary_temporality
        from sequenced
    ) as typed
    where {{ date_window('point_date') }}

),

quantiles as (

    {%- set q = list_at('based.quantile_values', position_of('q')) %}

    select
        based.point_id,
        max(case when {{ q }}.quantile = 0.5 then {{ q }}.value end) as quantile_50,
        max(case when {{ q }}.quantile = 0.9 then {{ q }}.value end) as quantile_90,
        max(case when {{ q }}.quantile = 0.95 then {{ q }}.value end) as quantile_95,
        max(case when {{ q }}.quantile = 0.99 then {{ q }}.value end) as quantile_99
    from based
    {{ explode_indexes('based.quantile_values', 'q') }}
    group by based.point_id

),

final as (

    select
        based.point_id,
        based.series_id,
        based.metric_name,
        based.metric_unit,
        based.summary_temporality as aggregation_temporality,
        based.point_at,
        {{ hour_start('based.point_at') }} as point_hour,
        based.point_date,
        based.delta_basis,
        case based.delta_basis
            when 'difference' then based.point_count - based.previous_point_count
            when 'no_baseline' then null
            else based.point_count
        end as delta_count,
        case based.delta_basis
            when 'difference' then based.point_sum - based.previous_point_sum
            when 'no_baseline' then null
            else based.point_sum
        end as delta_sum,
        quantiles.quantile_50,
        quantiles.quantile_90,
        quantiles.quantile_95,
        quantiles.quantile_99,
        {{ metric_point_dimensions('based') }}
    from based
    left join quantiles on based.point_id = quantiles.point_id

)

select * from final
