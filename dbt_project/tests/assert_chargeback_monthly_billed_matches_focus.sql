-- The monthly chargeback bills what the FOCUS lines bill: per tenant and month, fct_chargeback_monthly's
-- billed cost equals the BilledCost of that month's FOCUS lines (as booked if closed) plus every adjustment
-- of it billed in a later month, exactly, and its total less discounts equals its billed cost.
-- Compliance: after an erasure, a side not rebuilt since still holds the erased person's share
-- (aggregates keep their totals), so the two may differ by at most the erased usage of that month.
with

monthly as (

    select
        month_start_date,
        tenant_id,
        sum(billed_cost_usd) as billed_cost_usd,
        sum(total_cost_usd - contract_discount_usd - billed_cost_usd) as unexplained_usd
    from {{ ref('fct_chargeback_monthly') }}
    group by 1, 2

),

focus as (

    {{ sum_per_month_and_tenant(ref('fct_chargeback_focus_monthly'),
        'coalesce(adjusted_month_start_date, billing_month_start_date)', 'billed_cost_usd', 'billed_cost_usd') }}

),

erased as (

    {{ erased_usage_per_month_and_tenant() }}

)

select
    coalesce(monthly.month_start_date, focus.month_start_date) as month_start_date,
    coalesce(monthly.tenant_id, focus.tenant_id) as tenant_id,
    monthly.billed_cost_usd as monthly_billed_cost_usd,
    focus.billed_cost_usd as focus_billed_cost_usd,
    monthly.unexplained_usd
from monthly
full outer join focus
    on monthly.month_start_date = focus.month_start_date
    and monthly.tenant_id = focus.tenant_id
left join erased
    on coalesce(monthly.month_start_date, focus.month_start_date) = erased.month_start_date
    and coalesce(monthly.tenant_id, focus.tenant_id) = erased.tenant_id
where abs(coalesce(monthly.billed_cost_usd, 0) - coalesce(focus.billed_cost_usd, 0)) > coalesce(erased.cost_usd, 0)
    or coalesce(monthly.unexplained_usd, 0) != 0
