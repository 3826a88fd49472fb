-- Unpriced models.
--
-- Answers: which provider / model names the price table cannot price, how much usage they carry and
--          since when, so someone can add a row to dbt_project/seeds/model_prices_overrides.csv (or
--          refresh the price table with `spanledger prices refresh`).
-- Parameters: none; all history.
-- Notes: `unpriced_calls` have no cost at all (excluded from cost totals); `reported_cost_calls`
--        still carried a provider-reported cost, so spend is right but the price table has a gap.
select
    provider,
    provider_name as telemetry_provider,
    model,
    sum(llm_call_count) as calls,
    sum(unpriced_call_count) as unpriced_calls,
    sum(reported_cost_call_count) as reported_cost_calls,
    sum(total_tokens) as total_tokens,
    round(sum(reported_cost_usd), 4) as reported_cost_usd,
    max(tenant_count) as max_tenants_per_day,
    min(first_seen_at) as first_seen_at,
    max(last_seen_at) as last_seen_at
from finops.fct_unpriced_usage
group by all
order by unpriced_calls desc, total_tokens desc
