"""Hand-written OTLP/JSON telemetry for the erasure tests: child spans (prompt and answer as content,
an event, a link to their own trace) and log records of a given trace, with or without a user id."""

from __future__ import annotations

import json
from pathlib import Path


def span(trace: str, i: int, start: int, text: str, user: str | None = None, **extra) -> dict:
    attributes = [
        {"key": "input.value", "value": {"stringValue": f"{text} prompt"}},
        {"key": "output.value", "value": {"stringValue": f"{text} answer"}},
    ]
    if user:
        attributes.append({"key": "user.id", "value": {"stringValue": user}})
    out = {
        "traceId": trace,
        "spanId": f"{0x5EC0000 + i:016x}",
        "parentSpanId": f"{0x5EC0000:016x}",
        "name": "late child",
        "kind": 3,
        "startTimeUnixNano": str(start + i),
        "endTimeUnixNano": str(start + i + 1_000_000),
        "attributes": attributes,
        "events": [
            {
                "name": "retry",
                "timeUnixNano": str(start + i),
                "attributes": [{"key": "exception.message", "value": {"stringValue": f"{text} event"}}],
            }
        ],
        "links": [{"traceId": trace, "spanId": f"{0x5EC0000:016x}"}],
    }
    out.update(extra)
    return out


def log(trace: str, i: int, start: int, text: str) -> dict:
    return {
        "timeUnixNano": str(start + i),
        "traceId": trace,
        "spanId": f"{0x5EC0000 + i:016x}",
        "body": {"stringValue": f"{text} log"},
        "attributes": [{"key": "gen_ai.evaluation.name", "value": {"stringValue": "relevance"}}],
    }


def export(path: Path, spans: list[dict], logs: list[dict] | tuple[()] = ()) -> None:
    """One request per line, as the collector's file exporter writes them."""
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "late-svc"}}]}
    lines = [{"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [s]}]}]} for s in spans]
    lines += [{"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": [r]}]}]} for r in logs]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
