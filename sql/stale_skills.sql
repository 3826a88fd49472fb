-- Stale and never-used skills.
--
-- Answers: which installed Claude Code skills have not fired in skills_stale_days (default 5) or never
--          fired, who owns them, and what their listing costs in context over the last 30 days: the
--          candidates to delete or to describe better.
-- Parameters: none; statuses as of dim_skills.as_of_date.
-- Notes: `uncertain` = some activations carried the redacted name custom_skill (OTEL_LOG_TOOL_DETAILS
--        off), so the skill may have fired under it. Context cost is an upper bound (docs/developer_tools.md).
with context as (
    select skill_name, sum(context_tokens) as context_tokens, sum(context_cost_usd) as context_cost_usd
    from developer_tools.fct_skill_context_cost_daily
    where usage_date > (select max(usage_date) from developer_tools.fct_skill_context_cost_daily) - 30
    group by skill_name
)
select
    skills.skill_name,
    skills.status,
    skills.skill_source,
    skills.owner,
    skills.added_on,
    skills.last_activated_at,
    skills.days_since_last_activation,
    skills.context_tokens_estimated,
    context.context_tokens as context_tokens_30d,
    round(context.context_cost_usd, 4) as context_cost_usd_30d,
    skills.is_status_uncertain_redacted as uncertain
from developer_tools.dim_skills as skills
left join context on skills.skill_name = context.skill_name
where skills.is_installed and skills.status in ('stale', 'never_used')
order by context.context_cost_usd desc nulls last, skills.skill_name
