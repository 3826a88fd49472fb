{{ config(enabled=var('price_refresh_diff', false), materialized='table') }}

{#- Each open month's chargeback per tenant at the prices the warehouse was built with: taken by
    `spanledger prices refresh` in a scratch warehouse (a DuckDB copy, BigQuery scratch datasets) before it
    loads the new price seeds and reprices (then fct_price_refresh_diff compares). Built only with var
    price_refresh_diff. -#}

with

tenant_months as (

    {{ price_refresh_tenant_months() }}

),

final as (

    select * from tenant_months

)

select * from final
