-- Agents that loop or run away over the last 7 days.
--
-- Answers: which agents (per tenant) loop, exceed their cost or step budget (seed agent_budgets),
--          error, or pick tools that fail them, and how many steps and dollars their runs take?
-- Parameters: the 7 days ending on the latest day with agent runs.
-- Use: single runs are in intermediate.int_agent_runs (outcome, loop_length, budget_cost_usd).
with

params as (
    select max(agent_run_date) as last_day from quality.fct_agents_daily
)

select
    agent_name,
    tenant_id,
    sum(run_count) as runs,
    sum(loop_run_count) as looped,
    sum(runaway_run_count) as runaway,
    sum(error_run_count) as errored,
    round(sum(loop_run_count) / sum(run_count), 3) as loop_rate,
    round(sum(runaway_run_count) / sum(run_count), 3) as runaway_rate,
    max(max_loop_length) as longest_loop,
    max(steps_max) as most_steps,
    round(sum(cost_usd), 4) as cost_usd,
    sum(tool_selection_error_count) as tool_selection_errors
from quality.fct_agents_daily, params
where agent_run_date > params.last_day - 7
group by 1, 2
order by runaway desc, looped desc, agent_name, tenant_id
