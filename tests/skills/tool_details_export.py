"""One Claude Code session as its OTLP/JSON log export, with tool details on (OTEL_LOG_TOOL_DETAILS=1)
and a developer who typed a secret into a shell command: landed for real by the skills tests.

The activation's name is redacted (`custom_skill`); the Skill call's input names it. The same command
runs twice (a rerun the marts count from the command's keyed hash). The team comes only from the
resource (OTEL_RESOURCE_ATTRIBUTES=team.id=…), the way Claude Code users set it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from orchestration.generator.otlp import kv, log_record

SECRET = "sk-live-FAKE0ff1ce5ecret7e57"
SECRET_COMMAND = f'AWS_SECRET_ACCESS_KEY={SECRET} aws s3 cp ./build s3://bucket --header "x-token: {SECRET}"'
SKILL = "deploy-helper"
TEAM = "platform-tools"
SESSION = "tool-details-session"
DAY = date(2025, 6, 9)
MODEL = "claude-sonnet-4-20250514"
LINES_ADDED = 12


def export(inbox: Path, day: date = DAY, session: str = SESSION) -> Path:
    """The session on `day` as one OTLP/JSON file (logs, then metrics) in `inbox`."""
    start = int(datetime(day.year, day.month, day.day, 15, tzinfo=UTC).timestamp()) * 1_000_000_000
    parameters = json.dumps({"bash_command": "aws", "full_command": SECRET_COMMAND, "timeout": 1000})
    events = [
        ("user_prompt", {"prompt_length": 12}),
        ("skill_activated", {"skill.name": "custom_skill", "invocation_trigger": "user-slash"}),
        ("tool_decision", {"tool_name": "Skill", "decision": "accept", "tool_parameters": json.dumps({})}),
        (
            "tool_result",
            {
                "tool_name": "Skill",
                "success": "true",
                "duration_ms": 2,
                "tool_input": json.dumps({"skill": SKILL}),
            },
        ),
        ("tool_decision", {"tool_name": "Bash", "decision": "accept", "tool_parameters": parameters}),
    ]
    events.append(
        (
            "api_request",
            {"model": MODEL, "cost_usd": 0.25, "input_tokens": 100, "output_tokens": 20, "duration_ms": 900},
        )
    )
    for _ in range(2):
        events.append(
            (
                "tool_result",
                {
                    "tool_name": "Bash",
                    "success": "true",
                    "duration_ms": 900,
                    "tool_parameters": parameters,
                    "tool_input": json.dumps({"command": SECRET_COMMAND}),
                },
            )
        )
    who = {"session.id": session, "user.email": "dev@example.com", "organization.id": "acme"}
    records = []
    for sequence, (name, attributes) in enumerate(events):
        attrs = {
            **who,
            "event.name": f"claude_code.{name}",
            "event.sequence": sequence,
            **attributes,
        }
        full = f"claude_code.{name}"
        records.append(log_record(start + sequence * 1_000_000_000, "INFO", full, attrs, event_name=full))
    resource = {"attributes": kv({"service.name": "claude-code", "team.id": TEAM})}
    logs = {"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": records}]}]}
    point = {
        "attributes": kv({**who, "type": "added"}),
        "startTimeUnixNano": str(start),
        "timeUnixNano": str(start + 60_000_000_000),
        "asInt": str(LINES_ADDED),
    }
    lines = {
        "name": "claude_code.lines_of_code.count",
        "sum": {"aggregationTemporality": 1, "isMonotonic": True, "dataPoints": [point]},
    }
    scope = {"scope": {"name": "com.anthropic.claude_code"}, "metrics": [lines]}
    metrics = {"resourceMetrics": [{"resource": resource, "scopeMetrics": [scope]}]}
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"claude-code-tool-details-{day.isoformat()}.jsonl"
    path.write_text(json.dumps(logs) + "\n" + json.dumps(metrics) + "\n")
    return path
