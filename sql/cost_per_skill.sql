-- Cost per skill.
--
-- Answers: what each skill costs: the API requests after its activations (attributed cost and tokens,
--          per activation) and its listing in every session's context (last 30 days).
-- Parameters: none; all history for activations, the last 30 days for context.
-- Notes: attributed cost = the api_request events between an activation and the next one of the same
--        prompt. `custom_skill` gathers the skills whose names were not exported.
with context as (
    select skill_name, sum(context_cost_usd) as context_cost_usd
    from developer_tools.fct_skill_context_cost_daily
    where usage_date > (select max(usage_date) from developer_tools.fct_skill_context_cost_daily) - 30
    group by skill_name
)
select
    skills.skill_name,
    skills.status,
    skills.activations,
    skills.people,
    round(skills.attributed_cost_usd, 4) as attributed_cost_usd,
    round(skills.attributed_cost_usd / nullif(skills.activations, 0), 4) as cost_per_activation_usd,
    skills.attributed_tokens,
    round(context.context_cost_usd, 4) as context_cost_usd_30d
from developer_tools.dim_skills as skills
left join context on skills.skill_name = context.skill_name
order by skills.attributed_cost_usd desc, skills.skill_name
