{{ config(**date_partitioned('point_date')) }}

{#- Histograms (explicit and exponential) as increases: one row per point with the count and sum
    added over its interval (the same rule as sums: see delta_basis), and the point's bucket lists
    beside the previous point's, from which int_metric_explicit_buckets and
    int_metric_exponential_buckets take bucket increases. A cumulative point whose explicit bounds
    or exponential scale went finer than its predecessor's cannot be differenced bucket by bucket:
    its count still is, its buckets are left out (bucket_basis no_baseline). -#}

with

points as (

    {{ metric_points_read(['histogram', 'exponential_histogram']) }}

),

sequenced as (

    {{ sequenced_points([
        'point_count',
        'point_sum',
        'bucket_counts',
        'explicit_bounds',
        'exp_scale',
        'exp_zero_count',
        'exp_positive_offset',
        'exp_positive_bucket_counts',
        'exp_negative_offset',
        'exp_negative_bucket_counts'
    ]) }}

),

based as (

    select
        *,
        {{ delta_basis('point_count', 'previous_point_count', date_epoch_ns('first_date_read')) }} as delta_basis
    from sequenced

),

final as (

    select
        point_id,
        series_id,
        metric_name,
        metric_unit,
        metric_type,
        aggregation_temporality,
        point_at,
        {{ hour_start('point_at') }} as point_hour,
        point_date,
        delta_basis,
        case
            when delta_basis = 'difference' and metric_type = 'histogram'
                and not {{ lists_equal('explicit_bounds', 'previous_explicit_bounds') }} then 'no_baseline'
            when delta_basis = 'difference' and metric_type = 'exponential_histogram'
                and exp_scale > previous_exp_scale then 'no_baseline'
            else delta_basis
        end as bucket_basis,
        delta_basis = 'since_start' and previous_time_unix_nano is not null as is_reset,
        case delta_basis
            when 'difference' then point_count - previous_point_count
            when 'no_baseline' then null
            else point_count
        end as delta_count,
        case delta_basis
            when 'difference' then point_sum - previous_point_sum
            when 'no_baseline' then null
            else point_sum
        end as delta_sum,
        -- min and max of a cumulative point cover the whole run, not this interval
        case when delta_basis = 'delta' then point_min end as interval_min,
        case when delta_basis = 'delta' then point_max end as interval_max,
        bucket_counts,
        previous_bucket_counts,
        explicit_bounds,
        exp_scale,
        previous_exp_scale,
        exp_zero_count,
        previous_exp_zero_count,
        exp_zero_threshold,
        exp_positive_offset,
        exp_positive_bucket_counts,
        previous_exp_positive_offset,
        previous_exp_positive_bucket_counts,
        exp_negative_offset,
        exp_negative_bucket_counts,
        previous_exp_negative_offset,
        previous_exp_negative_bucket_counts,
        {{ metric_point_dimensions() }},
        scope_name
    from based
    where {{ date_window('point_date') }}

)

select * from final
