with

source as (

    {{ compliance_export('erased_usage',
        "select cast(null as date) as call_date, cast(null as " ~ t_string() ~ ") as tenant_id, "
        ~ "cast(null as " ~ t_int() ~ ") as llm_call_count, cast(null as " ~ t_int() ~ ") as total_tokens, "
        ~ money('null') ~ " as cost_usd, " ~ money('null') ~ " as reported_cost_usd "
        ~ "from (select 1 as x) as nothing where false") }}

),

renamed as (

    select
        cast(call_date as date) as call_date,
        tenant_id,
        cast(llm_call_count as {{ t_int() }}) as llm_call_count,
        cast(total_tokens as {{ t_int() }}) as total_tokens,
        {{ money('cost_usd') }} as cost_usd,
        {{ money('reported_cost_usd') }} as reported_cost_usd

    from source

)

select * from renamed
