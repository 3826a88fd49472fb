-- The daily cost mart and the chargeback bill the same: per month and tenant, fct_llm_costs_daily's
-- billed cost (after contract discounts) equals the chargeback's usage lines as the calls say now, exactly.
-- Compliance: after an erasure, a side not rebuilt since still holds the erased person's share
-- (aggregates keep their totals), so the two may differ by at most the erased usage of that month.
with

daily as (

    {{ sum_per_month_and_tenant(ref('fct_llm_costs_daily'), month_start('cost_date'), 'billed_cost_usd',
        'billed_cost_usd') }}

),

lines as (

    {{ sum_per_month_and_tenant(ref('int_chargeback_usage_lines'), 'billing_month_start_date', 'billed_cost_usd',
        'billed_cost_usd') }}

),

erased as (

    {{ erased_usage_per_month_and_tenant() }}

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
left join erased
    on coalesce(daily.month_start_date, lines.month_start_date) = erased.month_start_date
    and coalesce(daily.tenant_id, lines.tenant_id) = erased.tenant_id
where abs(coalesce(daily.billed_cost_usd, 0) - coalesce(lines.billed_cost_usd, 0)) > coalesce(erased.cost_usd, 0)
