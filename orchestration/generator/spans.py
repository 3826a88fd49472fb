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


TAIL_KEEP_SLOWER_THAN_S = 10.0  # the tail sampler keeps every request slower than this
RANDOMNESS_BITS = 56  # W3C trace ids: the rightmost 7 bytes are random, what probability samplers compare


def sampling_threshold(rate: int) -> int:
    """OpenTelemetry's rejection threshold for keeping 1 trace in `rate`: keep when randomness >= it."""
    return round((1 - 1 / rate) * (1 << RANDOMNESS_BITS))


def sampling_tracestate(rate: int) -> str:
    """The `ot=th:` entry a probability sampler writes: the threshold in hex, trailing zeros dropped."""
    return "ot=th:" + (f"{sampling_threshold(rate):014x}".rstrip("0") or "0")


def is_kept(trace_id: str, sampling: str, rate: int) -> bool:
    """The sampler's decision from the trace id alone, as a consistent sampler makes it."""
    if sampling == "probability":
        return int(trace_id[-RANDOMNESS_BITS // 4 :], 16) >= sampling_threshold(rate)
    if sampling == "tail":  # a tail sampler hashing the trace id: its top bits, independent of the above
        return int(trace_id[:8], 16) % rate == 0
    return True


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
        "sampling",
        "kept",
        "trace_state",
        "spans",
        "logs",
        "events",
        "links",
        "end_ns",
        "last_ns",
    )

    def __init__(
        self, trace_id: str, resource: str, sample_rate: int, end_limit_ns: int, sampling: str = "none"
    ) -> None:
        self.trace_id = trace_id
        self.resource = resource
        self.sample_rate = sample_rate
        self.sampling = sampling
        # a dropped trace still feeds the metrics; a tail sampler decides once the trace is complete
        self.kept = is_kept(trace_id, sampling, sample_rate) if sampling != "tail" else True
        self.trace_state = sampling_tracestate(sample_rate) if sampling == "probability" else None
        self.spans: list[tuple[str, str, dict[str, Any]]] = []
        self.logs: list[tuple[str, str, dict[str, Any]]] = []
        self.events = 0
        self.links = 0
        self.end_ns = end_limit_ns  # last instant any record of this trace may carry (end of its day)
        self.last_ns = 0  # latest log timestamp written

    def tail_sample(self) -> None:
        """A tail sampler's decision on the complete trace, as Refinery-style rules make it: errors and
        slow requests are kept whole (rate 1), the rest 1 in N by the trace id, their spans carrying
        SampleRate=N."""
        if self.sampling != "tail":
            return
        root = self.spans[0][2]
        seconds = (int(root["endTimeUnixNano"]) - int(root["startTimeUnixNano"])) / NS
        if root["status"].get("code") == STATUS_ERROR or seconds > TAIL_KEEP_SLOWER_THAN_S:
            self.sample_rate = 1
            return
        self.kept = is_kept(self.trace_id, "tail", self.sample_rate)
        if self.kept:
            rate = kv({"SampleRate": self.sample_rate})[0]
            for _, _, span in self.spans:
                span["attributes"].append(rate)

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
        d: dict[str, Any] = {"traceId": self.trace_id, "spanId": sid}
        if self.trace_state:
            d["traceState"] = self.trace_state
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
