-- Tenant SLO report.
--
-- Answers: per tenant over the last 7 days (up to the latest day in the warehouse): requests, latency
--          percentiles, the share of requests within the tenant's latency target, error rate, whether
--          each SLO was met and how fast the error budget burns (1 = exactly on budget, >1 = too fast).
-- Parameters:
--   $days_back integer = 7: how many days, up to the latest day in the warehouse
-- Targets: the tenant_slos seed (its `default` row for tenants without their own).
-- Notes: p95 / p99 here are the worst day's (percentiles do not add up across days); counts are
--        weighted by 1 / sample rate, `estimated` says when that happened.
with

params as (
    select max(latency_date) as last_day, $days_back as days_back from reliability.fct_tenant_latency_daily
),

window_days as (
    select d.*
    from reliability.fct_tenant_latency_daily as d, params
    where d.latency_date > params.last_day - params.days_back
)

select
    window_days.tenant_id,
    tenants.tenant_name,
    tenants.plan,
    round(sum(request_count)) as requests,
    round(max(latency_p95_ms)) as worst_day_p95_ms,
    round(max(latency_p99_ms)) as worst_day_p99_ms,
    max(latency_slo_ms) as latency_slo_ms,
    max(latency_slo_target) as latency_slo_target,
    round(sum(latency_slo_attainment * request_count) / sum(request_count), 4) as latency_slo_attainment,
    sum(latency_slo_attainment * request_count) / sum(request_count) >= max(latency_slo_target) as latency_slo_met,
    round(sum(error_rate * request_count) / sum(request_count), 4) as error_rate,
    max(error_rate_slo) as error_rate_slo,
    sum(error_rate * request_count) / sum(request_count) <= max(error_rate_slo) as error_rate_slo_met,
    round((1 - sum(latency_slo_attainment * request_count) / sum(request_count))
        / nullif(1 - max(latency_slo_target), 0), 2) as latency_budget_burn,
    round((sum(error_rate * request_count) / sum(request_count)) / nullif(max(error_rate_slo), 0), 2) as error_budget_burn,
    bool_or(is_estimated) as estimated
from window_days
left join reference.tenants as tenants on window_days.tenant_id = tenants.tenant_id
group by all
order by error_budget_burn desc, latency_budget_burn desc
