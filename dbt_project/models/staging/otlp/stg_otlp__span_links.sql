with

source as (

    select * from {{ source('otlp', 'span_links') }}

),

renamed as (

    select
        trace_id,
        span_id,
        link_index,
        linked_trace_id,
        linked_span_id,
        attributes as link_attributes,
        tenant_id,
        source_file_id,
        source_offset,
        cast(date as date) as link_date

    from source

)

select * from renamed
