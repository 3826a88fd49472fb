"""Assembling one trace: ids, span dicts in OTLP/JSON shape, and the trace's log records."""

from __future__ import annotations

import random
from typing import Any

from .otlp import STATUS_ERROR, kv, log_record, span_event, span_link

MS = 1_000_000
NS = 1_000_000_000


def randint(rng: random.Random, low: int, high: int) -> int:
    """rng.randint without its argument checking and rejection loop: a third of the cost, same idea."""
    return low + int(rng.random() * (high - low + 1))


def span_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64) | 1:016x}"  # | 1: an all-zero id is invalid


def trace_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128) | 1:032x}"


def exception_event(time_ns: int, exc_type: str, message: str) -> tuple[str, int, dict[str, Any]]:
    return (
        "exception",
        time_ns,
        {
            "exception.type": exc_type,
            "exception.message": message,
            "exception.stacktrace": f'Traceback (most recent call last):\n  File "client.py", line 1042, in request\n{exc_type}: {message}',
            "exception.escaped": True,
        },
    )


class Trace:
    """Spans and logs of one request; items are (resource key, scope key, OTLP dict) triples."""

    __slots__ = (
        "trace_id",
        "resource",
        "sample_rate",
        "spans",
        "logs",
        "events",
        "links",
        "end_ns",
        "last_ns",
    )

    def __init__(self, trace_id: str, resource: str, sample_rate: int, end_limit_ns: int) -> None:
        self.trace_id = trace_id
        self.resource = resource
        self.sample_rate = sample_rate
        self.spans: list[tuple[str, str, dict[str, Any]]] = []
        self.logs: list[tuple[str, str, dict[str, Any]]] = []
        self.events = 0
        self.links = 0
        self.end_ns = end_limit_ns  # last instant any record of this trace may carry (end of its day)
        self.last_ns = 0  # latest log timestamp written

    def span(
        self,
        scope: str,
        sid: str,
        parent: str | None,
        name: str,
        kind: int,
        start_ns: int,
        end_ns: int,
        attrs: dict[str, Any],
        error: str | None = None,
        events: list[tuple[str, int, dict[str, Any]]] | None = None,
        links: list[tuple[str, str, dict[str, Any]]] | None = None,
        resource: str | None = None,
    ) -> None:
        if self.sample_rate > 1:
            attrs["SampleRate"] = self.sample_rate  # tail sampler's weight, on every kept span
        d: dict[str, Any] = {"traceId": self.trace_id, "spanId": sid}
        if parent:
            d["parentSpanId"] = parent
        d["name"] = name
        d["kind"] = kind
        d["startTimeUnixNano"] = str(start_ns)
        d["endTimeUnixNano"] = str(end_ns)
        d["attributes"] = kv(attrs)
        if events:
            d["events"] = [span_event(n, t, a) for n, t, a in events]
            self.events += len(events)
        if links:
            d["links"] = [span_link(t, s, a) for t, s, a in links]
            self.links += len(links)
        d["status"] = {"code": STATUS_ERROR, "message": error} if error else {}
        self.spans.append((resource or self.resource, scope, d))

    def log(
        self,
        scope: str,
        time_ns: int,
        severity: str,
        body: Any,
        attrs: dict[str, Any],
        sid: str | None = None,
        event_name: str | None = None,
        resource: str | None = None,
    ) -> None:
        time_ns = min(time_ns, self.end_ns)
        if time_ns > self.last_ns:
            self.last_ns = time_ns
        self.logs.append(
            (
                resource or self.resource,
                scope,
                log_record(time_ns, severity, body, attrs, self.trace_id, sid, event_name),
            )
        )
