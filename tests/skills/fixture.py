"""A lake of Claude Code activity with one case of each skill status, counter temporality and reset, and
reconciliation outcome; plus real skill folders scanned into dated catalog snapshots."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.lake.schema import LAKE_TABLES
from orchestration.settings import Settings
from orchestration.skills.snapshot import take_snapshot

D1, D8, D9, D10 = date(2025, 6, 1), date(2025, 6, 8), date(2025, 6, 9), date(2025, 6, 10)
MODEL = "claude-sonnet-4-20250514"


# What landing does to an event's attributes (content capture off): tool input becomes its facts.
_LANDING_FILTER = AttributeFilter(
    SubjectHasher(b"skills-fixture"), keep_content=False, hash_sessions=False, max_value_chars=4096
)


def _ns(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000) * 1000


def _at(day: date, seconds: int) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(seconds=seconds)


class Lake:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.offset = 0
        self.sequence: dict[str, int] = defaultdict(int)

    def event(self, session: str, kind: str, at: datetime, **attrs) -> None:
        self.offset += 1
        self.sequence[session] += 1
        columns = {
            k: attrs.pop(k) for k in ("request_model", "reported_cost_usd", "input_tokens") if k in attrs
        }
        self.rows["logs"].append(
            {
                "time_unix_nano": _ns(at),
                "observed_time_unix_nano": _ns(at),
                "log_at": at,
                "severity_number": 9,
                "severity_text": "INFO",
                "event_name": f"claude_code.{kind}",
                "attributes": json.dumps(
                    _LANDING_FILTER.apply({"event.sequence": self.sequence[session], **attrs}).attributes
                ),
                "service_name": "claude-code",
                "tenant_id": "acme",
                "user_hash": f"user-of-{session}",
                "session_hash": session,
                "source_file_id": "skills-fixture",
                "source_offset": f"line {self.offset}",
                **columns,
            }
        )

    def point(
        self, session: str, metric: str, temporality: str, start: datetime, at: datetime, value, **attrs
    ):
        self.offset += 1
        self.rows["metric_points"].append(
            {
                "metric_name": metric,
                "metric_type": "sum",
                "aggregation_temporality": temporality,
                "is_monotonic": True,
                "start_time_unix_nano": _ns(start),
                "time_unix_nano": _ns(at),
                "point_at": at,
                "value_double": float(value),
                "attributes": json.dumps({"session.id": session, **attrs}),
                "resource_attributes": json.dumps({"service.name": "claude-code"}),
                "scope_name": "com.anthropic.claude_code",
                "tenant_id": "acme",
                "user_hash": f"user-of-{session}",
                "session_hash": session,
                "model": attrs.get("model"),
                "service_name": "claude-code",
                "source_file_id": "skills-fixture",
                "source_offset": f"line {self.offset}",
            }
        )

    def write(self, lake_dir: Path) -> None:
        time_columns = {"logs": "log_at", "metric_points": "point_at"}
        for table, schema in LAKE_TABLES.items():
            empty = lake_dir / table / "date=1970-01-01"
            empty.mkdir(parents=True, exist_ok=True)
            pq.write_table(schema.empty_table(), empty / "_schema.parquet")
            by_date: dict[date, list[dict]] = defaultdict(list)
            for row in self.rows.get(table, []):
                by_date[row[time_columns[table]].date()].append(row)
            for day, day_rows in by_date.items():
                out = lake_dir / table / f"date={day.isoformat()}"
                out.mkdir(parents=True, exist_ok=True)
                cols = {f.name: [r.get(f.name) for r in day_rows] for f in schema}
                pq.write_table(pa.table(cols, schema=schema), out / "part-0.parquet")


def _activation(
    lake: Lake, session: str, day: date, t: int, skill: str, commands=(), prompt: str | None = None
):
    lake.event(session, "user_prompt", _at(day, t), prompt_length=10)
    lake.event(
        session,
        "skill_activated",
        _at(day, t + 1),
        **{"skill.name": skill},
        invocation_trigger="claude-proactive",
    )
    for i, command in enumerate(commands):
        lake.event(
            session,
            "tool_result",
            _at(day, t + 2 + i),
            tool_name="Bash",
            success="true",
            duration_ms=100 * (i + 1),
            tool_input=json.dumps({"command": command}),
        )


def api_request(lake: Lake, session: str, at: datetime, cost: str) -> None:
    lake.event(
        session,
        "api_request",
        at,
        model=MODEL,
        request_model=MODEL,
        reported_cost_usd=Decimal(cost),
        input_tokens=10,
    )


def activity() -> Lake:
    lake = Lake()
    # statuses
    _activation(lake, "s-active", D10, 0, "active-skill", commands=["make test"])
    _activation(lake, "s-stale", D1, 0, "stale-skill", commands=["make docs"])
    for n, day in enumerate((D9, D10, D10)):
        _activation(lake, f"s-misfire-{n}", day, 100, "misfire-skill")  # nothing follows
        _activation(lake, f"s-rerun-{n}", day, 200, "rerun-skill", commands=["npm run e2e", "npm run e2e"])
    _activation(lake, "s-ghost", D10, 300, "ghost-skill", commands=["ls"])
    _activation(lake, "s-redacted", D10, 400, "custom_skill", commands=["ls"])
    lake.event("s-slash", "user_prompt", _at(D10, 500), command_name="slashy", command_source="custom")
    lake.event("s-slash", "tool_result", _at(D10, 501), tool_name="Read", success="false", duration_ms=5)
    # reconciliation and counters
    t0, t1 = _at(D10, 1000), _at(D10, 2000)
    api_request(lake, "s-cumulative", _at(D10, 1010), "0.100000000")
    api_request(lake, "s-cumulative", _at(D10, 1020), "0.250000000")
    cost = "claude_code.cost.usage"
    lake.point("s-cumulative", cost, "CUMULATIVE", t0, _at(D10, 1060), 0.10, model=MODEL)
    lake.point("s-cumulative", cost, "CUMULATIVE", t0, _at(D10, 1120), 0.35, model=MODEL)
    lake.point("s-cumulative", cost, "CUMULATIVE", t0, _at(D10, 1120), 0.35, model=MODEL)  # exported twice
    api_request(lake, "s-reset", _at(D10, 1010), "0.500000000")
    api_request(lake, "s-reset", _at(D10, 2010), "0.200000000")
    lake.point("s-reset", cost, "CUMULATIVE", t0, _at(D10, 1060), 0.50, model=MODEL)
    lake.point("s-reset", cost, "CUMULATIVE", t1, _at(D10, 2060), 0.20, model=MODEL)  # restarted process
    api_request(lake, "s-delta", _at(D10, 1010), "0.300000000")
    lake.point("s-delta", cost, "DELTA", t0, _at(D10, 1060), 0.30, model=MODEL)
    lake.point(
        "s-delta", cost, "DELTA", _at(D10, 1060), _at(D10, 1120), 0.10, model=MODEL
    )  # no event behind it
    api_request(lake, "s-events-only", _at(D10, 1010), "0.050000000")
    loc = "claude_code.lines_of_code.count"
    for at, value in ((1060, 10), (1120, 25), (1180, 5)):  # 5 < 25: a reset without a new start time
        lake.point("s-cumulative", loc, "CUMULATIVE", t0, _at(D10, at), value, type="added")
    return lake


def skill_folder(root: Path, name: str, description: str, **front) -> None:
    folder = root / ".claude" / "skills" / name
    folder.mkdir(parents=True, exist_ok=True)
    extra = "".join(f"{k}: {v}\n" for k, v in front.items())
    (folder / "SKILL.md").write_text(
        f"---\nname: {name}\ndescription: {json.dumps(description)}\n{extra}---\nBody\n"
    )


def catalog(settings: Settings, repo: Path) -> None:
    """Two snapshots of one repository: on D8 removed-skill is gone and never-skill's description changed."""
    for name in ("active-skill", "stale-skill", "misfire-skill", "rerun-skill", "removed-skill"):
        skill_folder(repo, name, f"Does {name} things.")
    skill_folder(repo, "never-skill", "Never fires.")
    take_snapshot(settings, [repo], on=D1)
    (repo / ".claude" / "skills" / "removed-skill" / "SKILL.md").unlink()
    (repo / ".claude" / "skills" / "removed-skill").rmdir()
    skill_folder(repo, "never-skill", "Never fires, now with a longer description.")
    take_snapshot(settings, [repo], on=D8)
