"""Claude Code's activity counters for one session: lines changed, commits, pull requests, active time
and edit decisions (the names and attributes of Claude Code's monitoring docs). Active time is exported
CUMULATIVE, the others DELTA (metrics.METRIC_META), so the warehouse reads both temporalities."""

from __future__ import annotations

import random

from .metrics import MetricsAggregator
from .spans import NS


def session_counters(
    agg: MetricsAggregator, resource: str, scope: str, attrs: tuple, model: str, start_ns: int, end_ns: int
) -> None:
    """Counters of a session that ran from start_ns to end_ns; its own rng keeps other data unchanged."""
    rng = random.Random(f"{attrs}-{start_ns}")
    seconds = max(1, (end_ns - start_ns) // NS)
    at = end_ns - NS
    agg.counter(
        at, resource, scope, "claude_code.active_time.total", (*attrs, ("type", "user")), seconds * 0.3
    )
    agg.counter(
        at, resource, scope, "claude_code.active_time.total", (*attrs, ("type", "cli")), seconds * 0.5
    )
    for kind, most in (("added", 400), ("removed", 150)):
        lines = rng.randint(0, most)
        if lines:
            agg.counter(
                at,
                resource,
                scope,
                "claude_code.lines_of_code.count",
                (*attrs, ("type", kind), ("model", model)),
                lines,
                is_int=True,
            )
    for decision, weight in (("accept", 0.85), ("reject", 0.15)):
        count = sum(rng.random() < weight for _ in range(rng.randint(0, 8)))
        if count:
            agg.counter(
                at,
                resource,
                scope,
                "claude_code.code_edit_tool.decision",
                (*attrs, ("tool_name", "Edit"), ("decision", decision), ("source", "user_temporary")),
                count,
                is_int=True,
            )
    if rng.random() < 0.4:
        agg.counter(at, resource, scope, "claude_code.commit.count", attrs, 1, is_int=True)
    if rng.random() < 0.1:
        agg.counter(at, resource, scope, "claude_code.pull_request.count", attrs, 1, is_int=True)
