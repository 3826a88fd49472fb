{{ config(**date_partitioned('point_date')) }}

{#- Exponential histograms, one row per point and bucket that gained observations, at the point's
    scale: positive bucket i covers (base^i, base^(i+1)], negative bucket i the same range below
    zero, base = 2^(2^-scale), and the zero bucket [-zero_threshold, zero_threshold]. A cumulative
    point is differenced against its predecessor after the predecessor is brought down to the
    point's scale (an SDK only ever lowers the scale of a stream, merging pairs of buckets). Marts
    merge points of different scales at the lowest one (bucket_scale and bucket_index are kept). -#}

with

points as (

    select * from {{ ref('int_metric_histogram_deltas') }}
    where metric_type = 'exponential_histogram' and bucket_basis != 'no_baseline'
        and {{ date_window('point_date') }}

),

current_buckets as (

    {%- set i = position_of('i') %}
    {% for side in ['positive', 'negative'] %}
    select
        points.point_id,
        '{{ side }}' as bucket_side,
        points.exp_{{ side }}_offset + {{ i }} as bucket_index,
        {{ list_at('points.exp_' ~ side ~ '_bucket_counts', i) }} as bucket_total
    from points
    {{ explode_indexes('points.exp_' ~ side ~ '_bucket_counts', 'i') }}

    union all
    {% endfor %}
    select
        point_id,
        'zero' as bucket_side,
        0 as bucket_index,
        exp_zero_count as bucket_total
    from points

),

-- the predecessor's buckets, brought down to the point's scale
previous_unscaled as (

    {%- set i = position_of('i') %}
    {%- set steps = 'points.previous_exp_scale - points.exp_scale' %}
    {% for side in ['positive', 'negative'] %}
    select
        points.point_id,
        '{{ side }}' as bucket_side,
        {{ downscaled_index('points.previous_exp_' ~ side ~ '_offset + ' ~ i, steps) }} as bucket_index,
        {{ list_at('points.previous_exp_' ~ side ~ '_bucket_counts', i) }} as bucket_total
    from points
    {{ explode_indexes('points.previous_exp_' ~ side ~ '_bucket_counts', 'i') }}
    where points.bucket_basis = 'difference'

    union all
    {% endfor %}
    select
        point_id,
        'zero' as bucket_side,
        0 as bucket_index,
        previous_exp_zero_count as bucket_total
    from points
    where bucket_basis = 'difference'

),

previous_buckets as (

    select
        point_id,
        bucket_side,
        bucket_index,
        sum(bucket_total) as bucket_total
    from previous_unscaled
    group by point_id, bucket_side, bucket_index

),

increases as (

    select
        current_buckets.point_id,
        current_buckets.bucket_side,
        current_buckets.bucket_index,
        current_buckets.bucket_total - coalesce(previous_buckets.bucket_total, 0) as bucket_count
    from current_buckets
    left join previous_buckets
        on current_buckets.point_id = previous_buckets.point_id
        and current_buckets.bucket_side = previous_buckets.bucket_side
        and current_buckets.bucket_index = previous_buckets.bucket_index

),

final as (

    select
        {{ hash_key(['points.point_id', 'increases.bucket_side', 'increases.bucket_index']) }} as bucket_id,
        points.point_id,
        points.series_id,
        points.metric_name,
        points.point_at,
        points.point_hour,
        points.point_date,
        increases.bucket_side,
        points.exp_scale as bucket_scale,
        increases.bucket_index,
        case increases.bucket_side
            when 'positive' then {{ exponential_bound('increases.bucket_index', 'points.exp_scale') }}
            when 'negative' then -{{ exponential_bound('increases.bucket_index + 1', 'points.exp_scale') }}
            else -coalesce(points.exp_zero_threshold, 0)
        end as bucket_lower,
        case increases.bucket_side
            when 'positive' then {{ exponential_bound('increases.bucket_index + 1', 'points.exp_scale') }}
            when 'negative' then -{{ exponential_bound('increases.bucket_index', 'points.exp_scale') }}
            else coalesce(points.exp_zero_threshold, 0)
        end as bucket_upper,
        increases.bucket_count,
        {{ metric_point_dimensions('points') }}
    from increases
    inner join points on increases.point_id = points.point_id
    where increases.bucket_count != 0

)

select * from final
