{#- Until a compliance job (retention or erasure) has exported the policy, no rows: retention is
    enforced from the first compliance run of a deployment on (fixtures with historic dates stay green). -#}
with

source as (

    {{ compliance_export('retention_policy',
        "select cast(null as " ~ t_string() ~ ") as data_class, cast(null as " ~ t_string() ~ ") as tenant_id, "
        ~ "cast(null as " ~ t_int() ~ ") as retention_days from (select 1 as x) as nothing where false") }}

),

renamed as (

    select
        data_class,
        tenant_id,
        cast(retention_days as {{ t_int() }}) as retention_days

    from source

)

select * from renamed
