-- Top cost drivers this month.
--
-- Answers: which tenant x feature x model combinations cost the most in the month of the latest day
--          in the warehouse, with their share of the month, cost per request and cache hit rate.
-- Parameters:
--   $top_n integer = 20: how many tenant x feature x model combinations
with

params as (
    -- the cast keeps month_start a date on BigQuery too (DATE_TRUNC, not TIMESTAMP_TRUNC)
    select date_trunc('month', cast(max(cost_date) as date)) as month_start, $top_n as top_n from finops.fct_llm_costs_daily
),

month_costs as (
    select tenant_id, feature, model, provider,
        sum(total_cost_usd) as cost_usd,
        sum(request_count) as requests,
        sum(llm_call_count) as llm_calls,
        sum(total_tokens) as total_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(input_tokens) as input_tokens,
        sum(cache_savings_usd) as cache_savings_usd
    from finops.fct_llm_costs_daily, params
    where cost_date >= params.month_start
    group by all
),

ranked as (
    select *,
        cost_usd / sum(cost_usd) over () as share_of_month,
        row_number() over (order by cost_usd desc) as cost_rank
    from month_costs
)

select
    tenant_id, feature, model, provider,
    round(cost_usd, 4) as cost_usd,
    round(share_of_month, 4) as share_of_month,
    llm_calls,
    total_tokens,
    round(cost_usd / nullif(requests, 0), 6) as cost_per_request_usd,
    round(cache_read_tokens / nullif(input_tokens, 0), 3) as cache_hit_rate,
    round(cache_savings_usd, 4) as cache_savings_usd
from ranked, params
where ranked.cost_rank <= params.top_n  -- not `limit (select ...)`: BigQuery's LIMIT takes a constant
order by ranked.cost_rank
