with

source as (

    select * from {{ source('otlp', 'span_events') }}

),

renamed as (

    select
        trace_id,
        span_id,
        event_index,
        event_name,
        cast(event_at as timestamp) as event_at,
        attributes as event_attributes,
        tenant_id,
        user_hash,
        service_name,
        deployment_environment,
        source_file_id,
        source_offset,
        cast(date as date) as event_date

    from source

)

select * from renamed
