{{ config(**date_partitioned('point_date')) }}

{#- Explicit-bucket histograms, one row per point and bucket that gained observations: the bucket's
    bounds (lower exclusive, upper inclusive; null = -Inf / +Inf) and its increase over the point's
    interval. Buckets of any points, series or hours add up; quantiles come from the sum
    (bucket_quantile). -#}

with

points as (

    select * from {{ ref('int_metric_histogram_deltas') }}
    where metric_type = 'histogram' and bucket_basis != 'no_baseline' and {{ date_window('point_date') }}

),

buckets as (

    {%- set i = position_of('bucket_index') %}

    select
        points.*,
        {{ i }} as bucket_index,
        {{ list_at('points.bucket_counts', i) }} - case
            when points.bucket_basis = 'difference'
                then coalesce({{ list_at('points.previous_bucket_counts', i) }}, 0)
            else 0
        end as bucket_count,
        case when {{ i }} > 0 then {{ list_at('points.explicit_bounds', i ~ ' - 1') }} end as bucket_lower,
        case
            when {{ i }} < {{ list_length('points.explicit_bounds') }}
                then {{ list_at('points.explicit_bounds', i) }}
        end as bucket_upper
    from points
    {{ explode_indexes('points.bucket_counts', 'bucket_index') }}

),

final as (

    select
        {{ hash_key(['point_id', 'bucket_index']) }} as bucket_id,
        point_id,
        series_id,
        metric_name,
        point_at,
        point_hour,
        point_date,
        bucket_index,
        bucket_lower,
        bucket_upper,
        bucket_count,
        {{ metric_point_dimensions() }}
    from buckets
    where bucket_count != 0

)

select * from final
