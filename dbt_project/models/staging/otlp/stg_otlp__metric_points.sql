{#- Reads the source directly, without the usual `source` CTE: the BigQuery emulator's translation
    drops the repeated-record column quantile_values from a `select *` CTE when the outer select
    also builds strings (the hash keys); BigQuery and DuckDB give the same result either way. -#}

with

renamed as (

    select
        {{ hash_key([
            'source_file_id', 'source_offset', 'resource_attributes', 'scope_name',
            'metric_name', 'attributes', 'start_time_unix_nano', 'time_unix_nano'
        ]) }} as point_id,
        {#- One time series: the same resource, scope, metric and point attributes (OTel's stream identity). -#}
        {{ hash_key(['resource_attributes', 'scope_name', 'metric_name', 'metric_type', 'attributes']) }} as series_id,
        metric_name,
        metric_unit,
        metric_type,
        aggregation_temporality,
        is_monotonic,
        start_time_unix_nano,
        time_unix_nano,
        cast(point_at as timestamp) as point_at,
        value_double,
        value_int,
        coalesce(value_double, cast(value_int as {{ t_float() }})) as point_value,
        {{ adapter.quote('count') }} as point_count,
        {{ adapter.quote('sum') }} as point_sum,
        {{ adapter.quote('min') }} as point_min,
        {{ adapter.quote('max') }} as point_max,
        bucket_counts,
        explicit_bounds,
        exp_scale,
        exp_zero_count,
        exp_zero_threshold,
        exp_positive_offset,
        exp_positive_bucket_counts,
        exp_negative_offset,
        exp_negative_bucket_counts,
        quantile_values,
        attributes as point_attributes,
        tenant_id,
        user_hash,
        session_hash,
        model,
        token_type,
        service_name,
        {{ json_string('resource_attributes', 'service.instance.id') }} as service_instance_id,
        deployment_environment,
        scope_name,
        source_file_id,
        source_offset,
        cast(date as date) as point_date

    from {{ source('otlp', 'metric_points') }}

)

select * from renamed
