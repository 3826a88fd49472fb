"""What an OTLP export request (a plain dict in the OTLP/JSON mapping) holds, read leniently: its signal,
the keys of its resource, scope and record lists, and how many records it carries; and the `Batch` the
rows of a run of requests land in, with what was set aside (`Quarantined`).

Counting is lenient on purpose: it says how many records a request or a part of one holds even when
that part cannot be decoded, so what is quarantined is counted (rows in = landed + quarantined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestration.otlp.values import get

SIGNAL_KEYS = {
    "traces": ("resourceSpans", "resource_spans"),
    "logs": ("resourceLogs", "resource_logs"),
    "metrics": ("resourceMetrics", "resource_metrics"),
}
# signal → the OTLP/JSON keys of its resource list, scope list and record list (camelCase, snake_case)
SHAPES = {
    "traces": ("resourceSpans", "resource_spans", "scopeSpans", "scope_spans", "spans", "spans"),
    "logs": ("resourceLogs", "resource_logs", "scopeLogs", "scope_logs", "logRecords", "log_records"),
    "metrics": ("resourceMetrics", "resource_metrics", "scopeMetrics", "scope_metrics", "metrics", "metrics"),
}


def detect_signal(request: Any) -> str | None:
    if not isinstance(request, dict):
        return None
    for signal, keys in SIGNAL_KEYS.items():
        if keys[0] in request or keys[1] in request:
            return signal
    return None


_METRIC_DATA = ("gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary")


def _list_of(obj: Any, camel: str, snake: str) -> list[Any]:
    value = get(obj, camel, snake) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def points_in_metric(metric: Any) -> int:
    """Data points of a metric, read leniently (for counting what a quarantine entry holds)."""
    for key in _METRIC_DATA:
        data = metric.get(key) if isinstance(metric, dict) else None
        if isinstance(data, dict):
            return len(_list_of(data, "dataPoints", "data_points"))
    return 0


def records_in_scope(scope: Any, signal: str) -> int:
    """Spans, log records or metric data points in one scope, read leniently."""
    items = _list_of(scope, SHAPES[signal][4], SHAPES[signal][5])
    return sum(points_in_metric(m) for m in items) if signal == "metrics" else len(items)


def records_in_resource(resource: Any, signal: str) -> int:
    scopes = _list_of(resource, SHAPES[signal][2], SHAPES[signal][3])
    if not scopes and signal == "traces":
        scopes = _list_of(resource, "instrumentationLibrarySpans", "instrumentation_library_spans")
    return sum(records_in_scope(scope, signal) for scope in scopes)


def count_records(request: Any, signal: str) -> int:
    """The records of an export request, read leniently: what quarantining the whole request sets aside."""
    resources = _list_of(request, SHAPES[signal][0], SHAPES[signal][1])
    return sum(records_in_resource(resource, signal) for resource in resources)


@dataclass
class Quarantined:
    location: str
    field: str
    reason: str
    records: int
    raw: bytes | str | None = None


@dataclass
class Batch:
    """Rows produced from a run of units, grouped by lake table, plus what was set aside."""

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            t: [] for t in ("spans", "span_events", "span_links", "logs", "metric_points")
        }
    )
    content: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    records_in: int = 0
    # (table, input file id, Arrow table with a `_day` column) from the native decoder (native/decoder.py)
    arrow: list[tuple[str, str, Any]] = field(default_factory=list)

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def arrow_rows(self) -> int:
        return sum(t.num_rows for _, _, t in self.arrow)
