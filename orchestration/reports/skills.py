"""The skills report: one self-contained HTML page from the developer_tools marts.

Every skill with its status and the signals behind it, what the catalog costs in context, the Claude
Code cost reconciliation's open differences, and the caveats of the telemetry. Python only selects and
formats mart rows; the numbers are the marts'.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports.html_parts import table, usd, usd_small
from orchestration.reports.html_style import STYLE
from orchestration.reports.safe_text import escape

STATUS_ORDER = ("misfiring", "unknown", "stale", "never_used", "active")
SKILLS_SQL = """
select skill_name, status, skill_source, owner, activations, people, days_since_last_activation,
       share_without_tool_work, harness_failure_rate, share_with_command_reruns, attributed_cost_usd,
       context_tokens_estimated, is_placeholder_name, is_status_uncertain_redacted,
       is_status_inferred_from_reruns, has_slash_only_activations, redacted_activations, as_of_date
from developer_tools.dim_skills
"""
CONTEXT_SQL = """
select skill_name, usage_date, context_tokens, context_cost_usd, context_cost_cached_all_requests_usd
from developer_tools.fct_skill_context_cost_daily
where usage_date = (select max(usage_date) from developer_tools.fct_skill_context_cost_daily)
"""
RECONCILIATION_SQL = """
select usage_date, session_hash, tenant_id, reconciliation_status, metric_cost_usd, event_cost_usd, difference_usd
from developer_tools.fct_claude_code_cost_reconciliation
where reconciliation_status <> 'matched'
order by abs(difference_usd) desc, usage_date, session_hash
limit 50
"""


@dataclass(frozen=True)
class SkillsData:
    skills: list[dict[str, Any]]
    context: list[dict[str, Any]]
    unreconciled: list[dict[str, Any]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load(warehouse: Path) -> SkillsData:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        skills = _rows(con, SKILLS_SQL)
        skills.sort(key=lambda r: (STATUS_ORDER.index(r["status"]), r["skill_name"]))
        return SkillsData(skills, _rows(con, CONTEXT_SQL), _rows(con, RECONCILIATION_SQL))


def _share(value: Any) -> str:
    return "–" if value is None else f"{float(value):.0%}"


def _caveats(row: dict[str, Any]) -> str:
    notes = []
    if row["is_placeholder_name"]:
        notes.append("names redacted: set OTEL_LOG_TOOL_DETAILS=1")
    if row["is_status_uncertain_redacted"]:
        notes.append("may have fired under custom_skill")
    if row["is_status_inferred_from_reruns"]:
        notes.append("inferred from reruns (harness success ≠ command success)")
    if row["has_slash_only_activations"]:
        notes.append("some slash commands logged without an activation event")
    return escape("; ".join(notes))


def render(data: SkillsData) -> str:
    as_of = data.skills[0]["as_of_date"] if data.skills else None
    skills = table(
        [
            "skill",
            "status",
            "source",
            "owner",
            "activations",
            "people",
            "days since",
            "no tool work",
            "harness failures",
            "reruns",
            "attributed cost",
            "listing tokens",
            "caveats",
        ],
        [
            [
                escape(r["skill_name"]),
                escape(r["status"]),
                escape(r["skill_source"] or "–"),
                escape(r["owner"] or "–"),
                str(r["activations"]),
                str(r["people"]),
                "–" if r["days_since_last_activation"] is None else str(r["days_since_last_activation"]),
                _share(r["share_without_tool_work"]),
                _share(r["harness_failure_rate"]),
                _share(r["share_with_command_reruns"]),
                usd(r["attributed_cost_usd"]),
                "–" if r["context_tokens_estimated"] is None else str(r["context_tokens_estimated"]),
                _caveats(r),
            ]
            for r in data.skills
        ],
        numeric_from=4,
    )
    context = table(
        ["skill", "day", "listing tokens", "cost (uncached)", "cost (cached, every request)"],
        [
            [
                escape(r["skill_name"]),
                str(r["usage_date"]),
                f"{r['context_tokens']:,}",
                usd_small(r["context_cost_usd"]),
                usd_small(r["context_cost_cached_all_requests_usd"]),
            ]
            for r in sorted(data.context, key=lambda r: (-(r["context_cost_usd"] or 0), r["skill_name"]))
        ],
        numeric_from=2,
    )
    if data.unreconciled:
        reconciliation = table(
            ["day", "session", "tenant", "status", "cost.usage metric", "api_request events", "difference"],
            [
                [
                    str(r["usage_date"]),
                    escape((r["session_hash"] or "–")[:12]),
                    escape(r["tenant_id"] or "–"),
                    escape(r["reconciliation_status"]),
                    usd_small(r["metric_cost_usd"]),
                    usd_small(r["event_cost_usd"]),
                    usd_small(r["difference_usd"]),
                ]
                for r in data.unreconciled
            ],
            numeric_from=4,
        )
    else:
        reconciliation = (
            '<p class="callout ok">Every session-day\'s cost.usage metric matches its api_request events.</p>'
        )
    redacted = data.skills[0]["redacted_activations"] if data.skills else 0
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Claude Code skills</title>
<style>{STYLE}</style></head><body>
<h1>Claude Code skills</h1><p class="sub">Statuses as of {escape(as_of)}; the catalog joined with activity.</p>
<p class="callout">{redacted} activations carried a redacted skill name (OTEL_LOG_TOOL_DETAILS off). A tool
result's success means the harness ran the tool, not that the command worked; it is never read as the
skill working.</p>
<h2>Skills</h2>{skills}
<h2>Context cost of the catalog (latest day)</h2>{context}
<h2>Cost reconciliation: cost.usage metric vs api_request events</h2>{reconciliation}
<footer>Generated {datetime.now(UTC).isoformat(timespec="seconds")} from the developer_tools marts
(docs/developer_tools.md).</footer></body></html>
"""


def write_report(warehouse: Path, out_dir: Path) -> Path:
    """out_dir/skills.html, replaced atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / "skills.html"
    tmp = out_dir / f".skills.html.{os.getpid()}.tmp"
    tmp.write_text(render(load(warehouse)), encoding="utf-8")
    os.replace(tmp, final)
    return final
