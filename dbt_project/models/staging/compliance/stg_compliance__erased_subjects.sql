with

source as (

    {{ compliance_export('erased_subjects',
        "select cast(null as " ~ t_string() ~ ") as subject_hash, cast(null as " ~ t_string() ~ ") as tenant_id, "
        ~ "cast(null as " ~ t_string() ~ ") as request_id, cast(null as " ~ t_string() ~ ") as completed_at "
        ~ "from (select 1 as x) as nothing where false") }}

),

renamed as (

    select
        subject_hash,
        tenant_id,
        request_id,
        cast(completed_at as timestamp) as erased_at

    from source

)

select * from renamed
