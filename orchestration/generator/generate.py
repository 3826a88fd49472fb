"""The streaming loop: day by day, request by request, writing export messages as they fill up.

Memory stays flat: only the current batch of requests, the open metric windows and (for the
single-document formats json/proto) the current file's messages are held.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from .claude_code import ClaudeCode
from .config import REQUESTS_PER_MESSAGE, GeneratorConfig
from .engines import EngineFleet
from .flows import RequestBuilder
from .metrics import MetricsAggregator
from .otlp import group
from .resources import Registry
from .spans import NS, Trace
from .summary import GenerationSummary
from .tenants import TenantPicker, make_tenants
from .traffic import DAY_NS, arrivals
from .writers import OutputSet

METRIC_WINDOW_NS = 600 * NS  # one delta export per 10 minutes
METRIC_LAG_NS = (
    3600 * NS
)  # a window is final once the clock is an hour past it (Claude Code sessions run ahead)

Item = tuple[str, str, dict[str, Any]]


def _day_start_ns(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * NS


class _Run:
    """State of one generate() call: the writers, the pending batch and the summary."""

    def __init__(self, config: GeneratorConfig, progress: Callable[[int], None] | None) -> None:
        self.config = config
        self.progress = progress
        self.rng = random.Random(config.seed)
        self.summary = GenerationSummary(
            config={
                k: (str(v) if not isinstance(v, int | bool | tuple) else v) for k, v in asdict(config).items()
            }
        )
        self.summary.config["start_date"] = config.first_day.isoformat()
        self.registry = Registry()
        tenants = make_tenants(self.rng, config.tenants)
        self.summary.sample_rates = {t.id: t.sample_rate for t in tenants if t.sampling != "none"}
        self.metrics = MetricsAggregator(METRIC_WINDOW_NS, METRIC_LAG_NS)
        self.builder = RequestBuilder(
            self.rng, TenantPicker(tenants), self.registry, self.metrics, self.summary, config.content
        )
        self.claude_code = (
            ClaudeCode(self.rng, tenants, self.registry, self.metrics, self.summary, config.content)
            if config.include_claude_code
            else None
        )
        self.engines = EngineFleet(config.seed, self.registry) if config.include_engines else None
        self.out = OutputSet(config.out_dir, config.formats)
        self.spans: list[Item] = []
        self.logs: list[Item] = []
        self.batch_requests = 0

    def add_trace(self, trace: Trace) -> None:
        if not trace.kept:
            return  # sampled out: spans and their logs dropped together (a trace-based log filter)
        summary = self.summary
        self.spans.extend(trace.spans)
        self.logs.extend(trace.logs)
        summary.span_events += trace.events
        summary.span_links += trace.links
        root = trace.spans[0][2]
        summary.see_time(int(root["startTimeUnixNano"]), max(int(root["endTimeUnixNano"]), trace.last_ns))
        self.batch_requests += 1

    def flush(self) -> None:
        summary, registry = self.summary, self.registry
        if self.spans:
            self.out.write("traces", group(self.spans, registry.resources, registry.scopes, "traces"))
            summary.spans += len(self.spans)
            summary.messages["traces"] += 1
        if self.logs:
            self.out.write("logs", group(self.logs, registry.resources, registry.scopes, "logs"))
            summary.log_records += len(self.logs)
            summary.messages["logs"] += 1
            summary.log_events.update(record.get("eventName", "") for _, _, record in self.logs)
        self.spans, self.logs, self.batch_requests = [], [], 0
        if self.progress:
            self.progress(summary.spans)

    def drain_metrics(self, now_ns: int | None) -> None:
        for window_end, items in self.metrics.drain(now_ns):
            self.out.write("metrics", group(items, self.registry.resources, self.registry.scopes, "metrics"))
            self.summary.metric_points += sum(
                len(next(v for k, v in m.items() if isinstance(v, dict))["dataPoints"]) for _, _, m in items
            )
            self.summary.messages["metrics"] += 1
            self.summary.see_time(window_end - METRIC_WINDOW_NS, window_end)

    def write_engine_metrics(self, day_start_ns: int) -> None:
        for items in self.engines.day(day_start_ns):  # type: ignore[union-attr]
            self.out.write("metrics", group(items, self.registry.resources, self.registry.scopes, "metrics"))
            self.summary.metric_points += len(items)
            self.summary.messages["metrics"] += 1
        self.summary.engine_usage.update(self.engines.truth)  # type: ignore[union-attr]
        self.engines.truth.clear()  # type: ignore[union-attr]
        self.summary.see_time(day_start_ns, day_start_ns + DAY_NS - NS)  # the last scrape

    def day(self, day: date) -> None:
        config = self.config
        start = _day_start_ns(day)
        end = start + DAY_NS - 1
        tag = day.strftime("%Y%m%d")
        seq = 1
        self.out.rotate(tag, seq)
        in_file = 0
        sessions = (
            self.claude_code.session_starts(start, end, config.requests_per_day) if self.claude_code else []
        )
        for t in arrivals(self.rng, start, config.requests_per_day):
            while sessions and sessions[0] <= t:
                self.logs.extend(self.claude_code.session(sessions.pop(0)))  # type: ignore[union-attr]
            self.add_trace(self.builder.build(t, end))
            in_file += 1
            if self.batch_requests >= REQUESTS_PER_MESSAGE or in_file >= config.traces_per_file:
                self.flush()
                self.drain_metrics(t)
            if in_file >= config.traces_per_file:
                seq += 1
                self.out.rotate(tag, seq)
                in_file = 0
        for session_start in sessions:
            self.logs.extend(self.claude_code.session(session_start))  # type: ignore[union-attr]
        self.flush()
        self.drain_metrics(None)  # every window of the day is complete
        if self.engines:
            self.write_engine_metrics(start)
        self.out.close()


def generate(config: GeneratorConfig, progress: Callable[[int], None] | None = None) -> GenerationSummary:
    """Write the OTLP exports described by `config` into config.out_dir and return the ground truth.

    `progress`, if given, is called with the running span count after every export message.
    """
    config.out_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(config, progress)
    try:
        for day in config.day_list():
            run.day(day)
    except BaseException:
        run.out.abort()
        raise
    run.summary.files = list(run.out.written)
    return run.summary
