{{ config(enabled=var('price_refresh_diff', false), materialized='table') }}

{#- What a price refresh changes: per open month and tenant, the chargeback before (fct_price_refresh_baseline,
    at the old prices) and after repricing with the new price seeds, in the scratch warehouse (a DuckDB copy,
    BigQuery scratch datasets) `spanledger prices refresh` builds before it publishes. Built only with var
    price_refresh_diff. -#}

with

repriced as (

    {{ price_refresh_tenant_months() }}

),

baseline as (

    select * from {{ ref('fct_price_refresh_baseline') }}

),

final as (

    select
        coalesce(repriced.billing_month_start_date, baseline.billing_month_start_date) as billing_month_start_date,
        coalesce(repriced.tenant_id, baseline.tenant_id) as tenant_id,
        coalesce(baseline.billed_cost_usd, {{ money(0) }}) as old_billed_cost_usd,
        coalesce(repriced.billed_cost_usd, {{ money(0) }}) as new_billed_cost_usd,
        coalesce(repriced.billed_cost_usd, {{ money(0) }}) - coalesce(baseline.billed_cost_usd, {{ money(0) }})
            as billed_change_usd,
        coalesce(baseline.list_cost_usd, {{ money(0) }}) as old_list_cost_usd,
        coalesce(repriced.list_cost_usd, {{ money(0) }}) as new_list_cost_usd
    from repriced
    full outer join baseline
        on repriced.billing_month_start_date = baseline.billing_month_start_date
        and repriced.tenant_id = baseline.tenant_id

)

select * from final
