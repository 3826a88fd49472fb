-- Misfiring skills.
--
-- Answers: which skills fire without doing the work they should (no tool call after the activation),
--          hit harness failures, or rerun the same shell command (a command that failed while the
--          harness reported success), misfiring ones first.
-- Parameters: none; thresholds are dbt vars skills_misfire_* (docs/developer_tools.md).
-- Notes: a tool result's success means the harness ran the tool, not that the command worked; reruns
--        are seen only where the command is exported (OTEL_LOG_TOOL_DETAILS=1).
select
    skill_name,
    status,
    activations,
    round(share_without_tool_work, 2) as share_without_tool_work,
    round(harness_failure_rate, 2) as harness_failure_rate,
    round(share_with_command_reruns, 2) as share_with_command_reruns,
    is_status_inferred_from_reruns as inferred_from_reruns,
    last_activated_at
from developer_tools.dim_skills
where activations > 0
order by status = 'misfiring' desc, share_with_command_reruns desc nulls last, skill_name
