-- The daily cost mart and the chargeback bill the same: per month and tenant, fct_llm_costs_daily's
-- billed cost (after contract discounts) equals the chargeback's usage lines as the calls say now, exactly.
with

daily as (

    select
        {{ month_start('cost_date') }} as month_start_date,
        tenant_id,
        sum(billed_cost_usd) as billed_cost_usd
    from {{ ref('fct_llm_costs_daily') }}
    group by 1, 2

),

lines as (

    select
        billing_month_start_date as month_start_date,
        tenant_id,
        sum(billed_cost_usd) as billed_cost_usd
    from {{ ref('int_chargeback_usage_lines') }}
    group by 1, 2

)

select
    coalesce(daily.month_start_date, lines.month_start_date) as month_start_date,
    coalesce(daily.tenant_id, lines.tenant_id) as tenant_id,
    daily.billed_cost_usd as daily_billed_cost_usd,
    lines.billed_cost_usd as chargeback_billed_cost_usd
from daily
full outer join lines
    on daily.month_start_date = lines.month_start_date
    and daily.tenant_id = lines.tenant_id
where coalesce(daily.billed_cost_usd, 0) != coalesce(lines.billed_cost_usd, 0)
