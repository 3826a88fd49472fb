with

source as (

    select * from {{ source('otlp', 'metric_points') }}

),

renamed as (

    select
        {{ hash_key([
            'source_file_id', 'source_offset', 'resource_attributes', 'scope_name',
            'metric_name', 'attributes', 'start_time_unix_nano', 'time_unix_nano'
        ]) }} as point_id,
        metric_name,
        metric_unit,
        metric_type,
        aggregation_temporality,
        is_monotonic,
        cast(point_at as timestamp) as point_at,
        value_double,
        value_int,
        coalesce(value_double, cast(value_int as {{ t_float() }})) as point_value,
        {{ adapter.quote('count') }} as point_count,
        {{ adapter.quote('sum') }} as point_sum,
        attributes as point_attributes,
        tenant_id,
        user_hash,
        session_hash,
        model,
        token_type,
        service_name,
        deployment_environment,
        source_file_id,
        source_offset,
        cast(date as date) as point_date

    from source

)

select * from renamed
