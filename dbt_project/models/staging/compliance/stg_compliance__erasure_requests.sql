with

source as (

    {{ compliance_export('erasure_requests',
        "select cast(null as " ~ t_string() ~ ") as request_id, cast(null as " ~ t_string() ~ ") as tenant_id, "
        ~ "cast(null as timestamp) as requested_at, cast(null as timestamp) as due_at, "
        ~ "cast(null as " ~ t_string() ~ ") as status, cast(null as timestamp) as completed_at "
        ~ "from (select 1 as x) as nothing where false") }}

),

renamed as (

    select
        request_id,
        tenant_id,
        cast(requested_at as timestamp) as requested_at,
        cast(due_at as timestamp) as due_at,
        status as request_status,
        cast(completed_at as timestamp) as completed_at,
        status = 'done' as is_completed

    from source

)

select * from renamed
