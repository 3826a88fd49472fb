-- Cost per skill.
--
-- Answers: what each skill costs: the API requests after its activations (attributed cost and tokens,
--          per activation) and its listing in every session's context.
-- Parameters: none; all history.
-- Notes: attributed cost = the api_request events between an activation and the next one of the same
--        prompt. `custom_skill` gathers the skills whose names were not exported.
with context as (
    select skill_name, sum(context_cost_usd) as context_cost_usd, min(usage_date) as since
    from developer_tools.fct_skill_context_cost_daily group by skill_name
)
select
    skills.skill_name,
    skills.status,
    skills.activations,
    skills.people,
    round(skills.attributed_cost_usd, 4) as attributed_cost_usd,
    round(skills.attributed_cost_usd / nullif(skills.activations, 0), 4) as cost_per_activation_usd,
    skills.attributed_tokens,
    round(context.context_cost_usd, 4) as context_cost_usd,
    context.since as context_cost_since
from developer_tools.dim_skills as skills
left join context on skills.skill_name = context.skill_name
order by skills.attributed_cost_usd desc, skills.skill_name
