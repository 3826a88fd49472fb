-- Self-hosted cost per million tokens.
--
-- Answers: what each self-hosted model costs per million tokens, per month, from its GPU
--          instance-hours (the price an internal "self-hosted" provider charges beside the APIs).
-- Parameters: none; all history.
-- Notes: instance-hours are priced from dbt_project/seeds/gpu_instance_prices.csv for the instance
--        type in engine_instances.csv and allocated to models by tokens; idle hours count too.
select
    date_trunc('month', cast(cost_date as date)) as month,  -- cast: BigQuery's DATE_TRUNC, not TIMESTAMP_TRUNC
    engine,
    model,
    sum(instance_hours) as instance_hours,
    sum(prompt_tokens + generation_tokens) as tokens,
    round(sum(cost_usd), 2) as cost_usd,
    round(sum(cost_usd) * 1000000 / nullif(sum(prompt_tokens + generation_tokens), 0), 4) as usd_per_million_tokens,
    bool_or(is_unpriced) as has_unpriced_hours
from metrics.fct_self_hosted_costs_daily
group by all
order by month, cost_usd desc
