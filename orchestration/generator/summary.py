"""Ground truth of one generation run: exactly what was written, for tests and reconciliation."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

# Same quantum as the landing's reported_cost_usd (decimal(38,9)), so sums compare exactly.
COST_QUANTUM = Decimal("0.000000001")


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: str
    signal: str  # traces | logs | metrics
    format: str


@dataclass
class GenerationSummary:
    config: dict[str, Any] = field(default_factory=dict)
    files: list[WrittenFile] = field(default_factory=list)
    # Record counts (identical in every format of the run).
    spans: int = 0
    span_events: int = 0
    span_links: int = 0
    log_records: int = 0
    metric_points: int = 0
    messages: Counter[str] = field(default_factory=Counter)  # export requests per signal
    log_events: Counter[str] = field(default_factory=Counter)  # log records per eventName ("" = plain log)
    # LLM spans: one entry per call whatever convention(s) it is written in.
    requests: int = 0  # root spans
    llm_calls: int = 0
    llm_error_calls: int = 0  # failed calls carry no usage
    input_tokens: int = 0  # includes cache read + cache write tokens
    output_tokens: int = 0  # includes reasoning tokens
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    reported_cost_usd: Decimal = Decimal(0)
    reported_cost_calls: int = 0
    unpriced_model_calls: int = 0
    embedding_calls: int = 0
    embedding_input_tokens: int = 0
    # Claude Code api_request events (input_tokens there EXCLUDE cache tokens, as Claude Code reports).
    claude_code: Counter[str] = field(default_factory=Counter)
    claude_code_cost_usd: Decimal = Decimal(0)
    metric_llm_calls: int = 0  # calls the GenAI client metrics recorded (services that emit them)
    # The self-hosted engines' work: prompt / generation tokens and requests (engines.py).
    engine_usage: Counter[str] = field(default_factory=Counter)
    # Traces of sampled tenants the sampler dropped (their calls are in the metrics, not in the spans):
    # requests_dropped, calls_dropped (LLM and embedding calls), metric_llm_calls_dropped; calls_rate_<N>
    # and metric_llm_calls_rate_<N> = every such call (kept or not) of the tenants keeping 1 trace in N.
    sampling: Counter[str] = field(default_factory=Counter)
    sample_rates: dict[str, int] = field(default_factory=dict)  # sampled tenant -> N
    # Identities and content that must never reach the lake in the clear.
    tenants: set[str] = field(default_factory=set)
    user_ids: set[str] = field(default_factory=set)
    prompt_texts: set[str] = field(default_factory=set)
    first_time_unix_nano: int | None = None
    last_time_unix_nano: int | None = None

    @property
    def records_by_signal(self) -> dict[str, int]:
        return {"traces": self.spans, "logs": self.log_records, "metrics": self.metric_points}

    def files_for(self, fmt: str | None = None, signal: str | None = None) -> list[Path]:
        return [
            Path(f.path)
            for f in self.files
            if (fmt is None or f.format == fmt) and (signal is None or f.signal == signal)
        ]

    def add_cost(self, value: float) -> None:
        # The landing reads doubles through str(); do the same so both sides agree to the last digit.
        self.reported_cost_usd += Decimal(str(value)).quantize(COST_QUANTUM)
        self.reported_cost_calls += 1

    def absorb_sampled(self, trace_truth: GenerationSummary, kept: bool, rate: int) -> None:
        """Add one sampled tenant's trace: all of it when kept, else only what the metrics saw. `rate` is
        the trace's own (1: a tail sampler kept it whatever the rate, as an error or a slow request)."""
        calls = trace_truth.metric_llm_calls
        self.metric_llm_calls += calls
        if rate == 1:
            self._add(trace_truth)
            return
        self.sampling[f"metric_llm_calls_rate_{rate}"] += calls
        all_calls = trace_truth.llm_calls + trace_truth.embedding_calls
        self.sampling[f"calls_rate_{rate}"] += all_calls
        if not kept:
            self.sampling["requests_dropped"] += trace_truth.requests
            self.sampling["calls_dropped"] += all_calls
            self.sampling["metric_llm_calls_dropped"] += calls
            return
        self._add(trace_truth)

    def _add(self, trace_truth: GenerationSummary) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(trace_truth, f.name)
            if f.name in ("config", "files", "metric_llm_calls", "sample_rates") or theirs is None:
                continue
            if isinstance(mine, Counter | set):
                mine.update(theirs)
            elif isinstance(mine, int | Decimal):
                setattr(self, f.name, mine + theirs)

    def see_time(self, start_ns: int, end_ns: int) -> None:
        if self.first_time_unix_nano is None or start_ns < self.first_time_unix_nano:
            self.first_time_unix_nano = start_ns
        if self.last_time_unix_nano is None or end_ns > self.last_time_unix_nano:
            self.last_time_unix_nano = end_ns

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "files": [{"path": f.path, "signal": f.signal, "format": f.format} for f in self.files],
            "spans": self.spans,
            "span_events": self.span_events,
            "span_links": self.span_links,
            "log_records": self.log_records,
            "metric_points": self.metric_points,
            "records_by_signal": self.records_by_signal,
            "messages_by_signal": dict(sorted(self.messages.items())),
            "files_by_signal": dict(sorted(Counter(f.signal for f in self.files).items())),
            "log_events": dict(sorted(self.log_events.items())),
            "requests": self.requests,
            "llm_calls": self.llm_calls,
            "llm_error_calls": self.llm_error_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "reported_cost_usd": str(self.reported_cost_usd),
            "reported_cost_calls": self.reported_cost_calls,
            "unpriced_model_calls": self.unpriced_model_calls,
            "embedding_calls": self.embedding_calls,
            "embedding_input_tokens": self.embedding_input_tokens,
            "claude_code": {
                **dict(sorted(self.claude_code.items())),
                "cost_usd": str(self.claude_code_cost_usd),
            },
            "metric_llm_calls": self.metric_llm_calls,
            "engine_usage": dict(sorted(self.engine_usage.items())),
            "sampling": dict(sorted(self.sampling.items())),
            "sample_rates": dict(sorted(self.sample_rates.items())),
            "tenants": sorted(self.tenants),
            "user_ids": sorted(self.user_ids),
            "prompt_texts": sorted(self.prompt_texts),
            "first_time_unix_nano": self.first_time_unix_nano,
            "last_time_unix_nano": self.last_time_unix_nano,
        }


def write_summary(summary: GenerationSummary, path: str | Path) -> Path:
    """Write the summary as JSON. Keep it outside out_dir: a landing run would take it for input."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary.to_dict(), indent=2, sort_keys=False) + "\n")
    return target
