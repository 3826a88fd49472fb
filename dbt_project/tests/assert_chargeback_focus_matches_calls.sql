-- The FOCUS lines of a month and tenant (its usage lines, closed or not, and every adjustment of it billed
-- later) add up exactly (not only to the cent) to the calls' cost less their contract discounts; the
-- breakdowns of each dimension add up to the month's usage lines; an open month's invoice (total and tenant
-- rows of the breakdowns) is its calls' cost plus the adjustments of closed months it bills.
with

calls as (

    select
        {{ month_start('call_date') }} as month_start_date,
        coalesce(tenant_id, '{{ var("unknown_label") }}') as tenant_id,
        coalesce(sum(cost_usd), {{ money(0) }}) as cost_usd
    from {{ ref('int_llm_calls_priced') }}
    group by 1, 2

),

discounts as (

    select {{ month_start('call_date') }} as month_start_date, tenant_id, sum(contract_discount_usd) as contract_discount_usd
    from {{ ref('int_llm_calls_charged') }}
    group by 1, 2

),

lines as (

    {{ sum_per_month_and_tenant(ref('fct_chargeback_focus_monthly'),
        'coalesce(adjusted_month_start_date, billing_month_start_date)', 'billed_cost_usd', 'billed_cost_usd') }}

),

by_dimension as (

    select billing_month_start_date as month_start_date, dimension, sum(cost_usd) as cost_usd
    from {{ ref('fct_chargeback_breakdowns_monthly') }}
    where dimension in ('total', 'tenant', 'team', 'feature', 'model', 'tenant_feature_model', 'day', 'cost_source')
    group by 1, 2

),

month_lines as (

    select billing_month_start_date as month_start_date, sum(billed_cost_usd) as billed_cost_usd
    from {{ ref('int_chargeback_usage_lines') }}
    group by 1

)

select
    'tenant' as failing_check,
    coalesce(calls.month_start_date, lines.month_start_date) as month_start_date,
    coalesce(calls.tenant_id, lines.tenant_id) as member,
    calls.cost_usd - coalesce(discounts.contract_discount_usd, 0) as expected_usd,
    lines.billed_cost_usd as actual_usd
from calls
left join discounts
    on calls.month_start_date = discounts.month_start_date
    and calls.tenant_id = discounts.tenant_id
full outer join lines
    on calls.month_start_date = lines.month_start_date
    and calls.tenant_id = lines.tenant_id
where coalesce(calls.cost_usd - coalesce(discounts.contract_discount_usd, 0), 0) != coalesce(lines.billed_cost_usd, 0)

union all

select
    'dimension' as failing_check,
    by_dimension.month_start_date,
    by_dimension.dimension as member,
    month_lines.billed_cost_usd as expected_usd,
    by_dimension.cost_usd as actual_usd
from by_dimension
left join month_lines
    on by_dimension.month_start_date = month_lines.month_start_date
where by_dimension.cost_usd != coalesce(month_lines.billed_cost_usd, 0)

union all

select
    'open month invoice' as failing_check,
    billing_month_start_date as month_start_date,
    member,
    cost_usd + coalesce(adjustment_cost_usd, 0) as expected_usd,
    invoiced_cost_usd as actual_usd
from {{ ref('fct_chargeback_breakdowns_monthly') }}
where dimension in ('total', 'tenant')
    and not is_month_closed
    and coalesce(invoiced_cost_usd, 0) != cost_usd + coalesce(adjustment_cost_usd, 0)
