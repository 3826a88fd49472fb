-- Daily cost, latency and errors by feature: the classic warehouse export.
--
-- Answers: for each day and feature (all tenants together), how many requests and LLM calls, how many
--          tokens, what they cost, how slow the requests were (p50 / p95 / p99 end to end) and how
--          many failed (errors, and "HTTP 200 but failed").
-- Parameters:
--   $days_back integer = 30: how many days, up to the latest day in the warehouse
-- Run: spanledger query sql/daily_cost_by_feature.sql --format csv > daily_by_feature.csv
-- Notes: percentiles are over the requests of all tenants of the feature (from the request-level
--        model, since percentiles do not add up); request counts are weighted by 1 / sample rate.
with

params as (
    select max(cost_date) as last_day, $days_back as days_back from finops.fct_llm_costs_daily
),

cost as (
    select cost_date as day, feature,
        sum(llm_call_count) as llm_calls,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(total_cost_usd) as cost_usd,
        sum(unpriced_call_count) as unpriced_calls
    from finops.fct_llm_costs_daily, params
    where cost_date > params.last_day - params.days_back
    group by all
),

latency as (
    select request_date as day, coalesce(feature, '(unknown)') as feature,
        sum(sample_weight) as requests,
        quantile_cont(latency_ms, 0.50) as p50_ms,
        quantile_cont(latency_ms, 0.95) as p95_ms,
        quantile_cont(latency_ms, 0.99) as p99_ms,
        sum(case when is_error then sample_weight else 0 end) as errors,
        sum(case when is_failed_200 then sample_weight else 0 end) as failed_200
    from intermediate.int_requests_summarized, params
    where request_date > params.last_day - params.days_back
    group by all
)

select
    coalesce(cost.day, latency.day) as day,
    coalesce(cost.feature, latency.feature) as feature,
    round(latency.requests) as requests,
    cost.llm_calls,
    cost.input_tokens,
    cost.output_tokens,
    round(cost.cost_usd, 4) as cost_usd,
    round(cost.cost_usd / nullif(latency.requests, 0), 6) as cost_per_request_usd,
    round(latency.p50_ms) as p50_ms,
    round(latency.p95_ms) as p95_ms,
    round(latency.p99_ms) as p99_ms,
    round(latency.errors) as errors,
    round(latency.failed_200) as failed_200,
    round((latency.errors + latency.failed_200) / nullif(latency.requests, 0), 4) as error_rate,
    cost.unpriced_calls
from cost
full outer join latency on cost.day = latency.day and cost.feature = latency.feature
order by day desc, cost_usd desc nulls last
