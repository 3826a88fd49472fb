-- Yesterday's eval candidates.
--
-- Answers: which requests of yesterday should become eval cases, why, and how urgent, highest
--          priority first (at most eval_candidates_per_tenant_day per tenant, default 50).
-- Parameters: "yesterday" is current_date - 1, or the latest earlier day that has candidates (so
--             the query works on historical or demo data).
-- Use: the trace_id links back to your tracing UI; export with --format csv.
with

params as (
    select max(candidate_date) as day
    from evals.fct_eval_candidates
    where candidate_date <= current_date - 1
)

select
    candidate_date,
    tenant_id,
    feature,
    trace_id,
    priority,
    priority_score,
    reasons,
    failure_reason,
    round(latency_ms) as latency_ms,
    round(cost_usd, 6) as cost_usd,
    min_eval_score,
    min_feedback_score
from evals.fct_eval_candidates, params
where candidate_date = params.day
order by priority_score desc, tenant_id, trace_id
