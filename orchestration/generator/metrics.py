"""Windowed metric aggregation: observations in, delta data points out, one export per window.

Like an SDK's periodic reader, every series is reset after each export (delta temporality). Windows
are flushed once the clock is `lag` past their end, so late-arriving observations (a long Claude Code
session emitted at its start) still land in the right window. Memory: the open windows' series only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .otlp import TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA, kv

# Semconv-advised bucket boundaries for the GenAI client metrics.
TOKEN_BOUNDS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BOUNDS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
EXP_SCALE = 3  # base 2**(1/8): ~9% relative bucket width
QUANTILES = (0.5, 0.9, 0.99)

SeriesKey = tuple[str, str, str, tuple[tuple[str, Any], ...]]  # resource, scope, metric name, attributes


class _Histogram:
    __slots__ = ("bounds", "counts", "count", "total", "lo", "hi", "exemplar")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.count, self.total, self.lo, self.hi, self.exemplar = 0, 0.0, math.inf, -math.inf, None

    def add(self, value: float, time_ns: int, exemplar: tuple[str, str] | None) -> None:
        i = 0
        for bound in self.bounds:  # ~15 bounds: a linear scan beats bisect's call overhead
            if value <= bound:
                break
            i += 1
        self.counts[i] += 1
        self.count += 1
        self.total += value
        self.lo = min(self.lo, value)
        self.hi = max(self.hi, value)
        if exemplar:
            self.exemplar = (time_ns, value, exemplar)

    def point(self, base: dict[str, Any]) -> dict[str, Any]:
        point = {
            **base,
            "count": str(self.count),
            "sum": self.total,
            "bucketCounts": [str(c) for c in self.counts],
            "explicitBounds": list(map(float, self.bounds)),
            "min": self.lo,
            "max": self.hi,
        }
        if self.exemplar:
            time_ns, value, (trace_id, span_id) = self.exemplar
            point["exemplars"] = [
                {
                    "timeUnixNano": str(time_ns),
                    "asDouble": float(value),
                    "traceId": trace_id,
                    "spanId": span_id,
                }
            ]
        return point


class _ExpHistogram:
    __slots__ = ("buckets", "count", "total", "lo", "hi", "zero")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.count, self.total, self.lo, self.hi, self.zero = 0, 0.0, math.inf, -math.inf, 0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.lo = min(self.lo, value)
        self.hi = max(self.hi, value)
        if value <= 0:
            self.zero += 1
            return
        index = math.ceil(math.log2(value) * (1 << EXP_SCALE)) - 1  # bucket (base**i, base**(i+1)]
        self.buckets[index] = self.buckets.get(index, 0) + 1

    def point(self, base: dict[str, Any]) -> dict[str, Any]:
        point = {
            **base,
            "count": str(self.count),
            "sum": self.total,
            "scale": EXP_SCALE,
            "zeroCount": str(self.zero),
            "min": self.lo,
            "max": self.hi,
        }
        if self.buckets:
            low, high = min(self.buckets), max(self.buckets)
            point["positive"] = {
                "offset": low,
                "bucketCounts": [str(self.buckets.get(i, 0)) for i in range(low, high + 1)],
            }
        return point


class _Summary:
    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[float] = []

    def add(self, value: float) -> None:
        self.values.append(value)

    def point(self, base: dict[str, Any]) -> dict[str, Any]:
        ordered = sorted(self.values)
        n = len(ordered)
        return {
            **base,
            "count": str(n),
            "sum": sum(ordered),
            "quantileValues": [{"quantile": q, "value": ordered[min(n - 1, int(q * n))]} for q in QUANTILES],
        }


class _Sum:
    __slots__ = ("value", "is_int")

    def __init__(self, is_int: bool) -> None:
        self.value: float = 0
        self.is_int = is_int

    def add(self, value: float) -> None:
        self.value += value

    def point(self, base: dict[str, Any]) -> dict[str, Any]:
        if self.is_int:
            return {**base, "asInt": str(int(self.value))}
        return {**base, "asDouble": round(float(self.value), 9)}


class _LittleGauge:
    """Average concurrency over the window (Little's law: busy time / window length)."""

    __slots__ = ("busy_ns", "window_ns")

    def __init__(self, window_ns: int) -> None:
        self.busy_ns = 0
        self.window_ns = window_ns

    def add(self, duration_ns: int) -> None:
        self.busy_ns += duration_ns

    def point(self, base: dict[str, Any]) -> dict[str, Any]:
        return {
            "attributes": base["attributes"],
            "timeUnixNano": base["timeUnixNano"],
            "asDouble": round(self.busy_ns / self.window_ns, 6),
        }


# metric name -> (kind, unit, description, temporality, monotonic)
METRIC_META: dict[str, tuple[str, str, str, int, bool]] = {
    "gen_ai.client.token.usage": (
        "histogram",
        "{token}",
        "Number of input and output tokens used.",
        TEMPORALITY_DELTA,
        False,
    ),
    "gen_ai.client.operation.duration": (
        "histogram",
        "s",
        "GenAI operation duration.",
        TEMPORALITY_DELTA,
        False,
    ),
    "http.server.request.duration": (
        "exponentialHistogram",
        "s",
        "Duration of HTTP server requests.",
        TEMPORALITY_DELTA,
        False,
    ),
    "app.request.latency": ("summary", "ms", "Request latency quantiles (Prometheus summary).", 0, False),
    "app.llm.concurrency": ("gauge", "{request}", "Average in-flight LLM requests.", 0, False),
    "app.requests": ("sum", "{request}", "Requests served.", TEMPORALITY_CUMULATIVE, True),
    "claude_code.cost.usage": ("sum", "USD", "Cost of the Claude Code session.", TEMPORALITY_DELTA, True),
    "claude_code.token.usage": ("sum", "tokens", "Number of tokens used.", TEMPORALITY_DELTA, True),
    "claude_code.session.count": ("sum", "count", "Count of CLI sessions started.", TEMPORALITY_DELTA, True),
    # dev_counters.py: Claude Code's activity counters
    "claude_code.lines_of_code.count": (
        "sum",
        "count",
        "Count of lines of code modified.",
        TEMPORALITY_DELTA,
        True,
    ),
    "claude_code.commit.count": ("sum", "count", "Number of git commits created.", TEMPORALITY_DELTA, True),
    "claude_code.pull_request.count": (
        "sum",
        "count",
        "Number of pull requests created.",
        TEMPORALITY_DELTA,
        True,
    ),
    "claude_code.code_edit_tool.decision": (
        "sum",
        "count",
        "Edit tool permission decisions.",
        TEMPORALITY_DELTA,
        True,
    ),
    "claude_code.active_time.total": (
        "sum",
        "s",
        "Total active time in seconds.",
        TEMPORALITY_CUMULATIVE,
        True,
    ),
}


class MetricsAggregator:
    def __init__(self, window_ns: int, lag_ns: int) -> None:
        self.window_ns = window_ns
        self.lag_ns = lag_ns
        self.windows: dict[int, dict[SeriesKey, Any]] = {}
        # Cumulative counters keep their running total and start time across windows.
        self.cumulative: dict[SeriesKey, float] = {}
        self.run_start_ns: int | None = None

    def _series(self, time_ns: int, key: SeriesKey, factory: Any) -> Any:
        window = self.windows.setdefault(time_ns - time_ns % self.window_ns, {})
        series = window.get(key)
        if series is None:
            series = window[key] = factory()
        return series

    def histogram(
        self,
        time_ns: int,
        res: str,
        scope: str,
        name: str,
        attrs: tuple,
        value: float,
        exemplar: tuple[str, str] | None = None,
    ) -> None:
        bounds = TOKEN_BOUNDS if name == "gen_ai.client.token.usage" else DURATION_BOUNDS
        self._series(time_ns, (res, scope, name, attrs), lambda: _Histogram(bounds)).add(
            value, time_ns, exemplar
        )

    def exp_histogram(
        self, time_ns: int, res: str, scope: str, name: str, attrs: tuple, value: float
    ) -> None:
        self._series(time_ns, (res, scope, name, attrs), _ExpHistogram).add(value)

    def summary(self, time_ns: int, res: str, scope: str, name: str, attrs: tuple, value: float) -> None:
        self._series(time_ns, (res, scope, name, attrs), _Summary).add(value)

    def counter(
        self, time_ns: int, res: str, scope: str, name: str, attrs: tuple, value: float, is_int: bool = False
    ) -> None:
        self._series(time_ns, (res, scope, name, attrs), lambda: _Sum(is_int)).add(value)

    def concurrency(self, time_ns: int, res: str, scope: str, attrs: tuple, duration_ns: int) -> None:
        window = self.window_ns
        self._series(time_ns, (res, scope, "app.llm.concurrency", attrs), lambda: _LittleGauge(window)).add(
            duration_ns
        )

    def drain(self, now_ns: int | None = None) -> Iterator[tuple[int, list[tuple[str, str, dict[str, Any]]]]]:
        """Finished windows, oldest first, as (window end, [(resource, scope, metric)]); None = all."""
        for start in sorted(self.windows):
            if now_ns is not None and start + self.window_ns + self.lag_ns > now_ns:
                break
            yield start + self.window_ns, self._export(start, self.windows.pop(start))

    def _export(self, start: int, window: dict[SeriesKey, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        end = start + self.window_ns
        if self.run_start_ns is None:
            self.run_start_ns = start
        metrics: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for key, series in window.items():
            res, scope, name, attrs = key
            base = {"attributes": kv(dict(attrs)), "startTimeUnixNano": str(start), "timeUnixNano": str(end)}
            if METRIC_META[name][3] == TEMPORALITY_CUMULATIVE:
                # Running total since the first export, as a cumulative SDK counter reports it.
                series.value = self.cumulative[key] = self.cumulative.get(key, 0) + series.value
                base["startTimeUnixNano"] = str(self.run_start_ns)
            metrics.setdefault((res, scope, name), []).append(series.point(base))
        out = []
        for (res, scope, name), points in metrics.items():
            kind, unit, description, temporality, monotonic = METRIC_META[name]
            data: dict[str, Any] = {"dataPoints": points}
            if kind in ("histogram", "exponentialHistogram", "sum"):
                data["aggregationTemporality"] = temporality
            if kind == "sum":
                data["isMonotonic"] = monotonic
            out.append((res, scope, {"name": name, "description": description, "unit": unit, kind: data}))
        return out
