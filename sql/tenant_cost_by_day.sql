-- One tenant's LLM cost per day over a date range.
--
-- Answers: for one tenant (or every tenant), per day, feature and model: requests, LLM calls, tokens,
--          what they cost and the cost per request, with calls the price table could not price.
-- Parameters:
--   $tenant text = null: the tenant id (null: every tenant)
--   $from_date date = null: the first day (null: 29 days before the last day)
--   $to_date date = null: the last day (null: the latest day in the warehouse)
-- Run: spanledger query sql/tenant_cost_by_day.sql --var tenant=acme-corp --var from_date=2026-03-01
--          --var to_date=2026-03-07
with

bounds as (
    select
        coalesce($to_date, max(cost_date)) as last_day,
        coalesce($from_date, coalesce($to_date, max(cost_date)) - 29) as first_day
    from finops.fct_llm_costs_daily
),

daily as (
    select c.cost_date, c.tenant_id, c.feature, c.model,
        sum(c.request_count) as requests,
        sum(c.llm_call_count) as llm_calls,
        sum(c.total_tokens) as total_tokens,
        sum(c.total_cost_usd) as cost_usd,
        sum(c.unpriced_call_count) as unpriced_calls
    from finops.fct_llm_costs_daily as c, bounds
    where c.cost_date between bounds.first_day and bounds.last_day
        and ($tenant is null or c.tenant_id = $tenant)
    group by all
)

select
    cost_date, tenant_id, feature, model,
    requests, llm_calls, total_tokens,
    round(cost_usd, 4) as cost_usd,
    round(cost_usd / nullif(requests, 0), 6) as cost_per_request_usd,
    unpriced_calls
from daily
order by cost_date, tenant_id, cost_usd desc, feature, model
