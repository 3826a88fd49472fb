"""Claude Code telemetry: developer sessions as log events plus cost/token counters.

Mirrors Claude Code's OTel export: resource service.name=claude-code, events claude_code.* with the
name in both `event.name` and the record's eventName, metrics claude_code.cost.usage / token.usage.
Claude Code's input_tokens EXCLUDE cache tokens (Anthropic API usage semantics), unlike GenAI semconv.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .catalog import CLAUDE_CODE_PROMPTS, MODELS
from .dev_counters import session_counters
from .metrics import MetricsAggregator
from .otlp import log_record
from .resources import Registry
from .skills import SkillActivity
from .spans import MS, NS, randint
from .summary import COST_QUANTUM, GenerationSummary
from .tenants import Tenant

VERSION = "1.0.51"
TOOLS = (("Read", 0.3), ("Edit", 0.2), ("Bash", 0.2), ("Grep", 0.15), ("Glob", 0.08), ("Write", 0.07))
SESSIONS_PER_REQUESTS = 1 / 50  # developer sessions per day relative to application traffic
MAX_SESSION_NS = 40 * 60 * NS


class Developer:
    __slots__ = ("tenant", "email", "account_uuid", "device_id", "os", "terminal")

    def __init__(self, rng: random.Random, tenant: Tenant, n: int) -> None:
        self.tenant = tenant
        self.email = f"dev-{n}@{tenant.id}.example.com"
        self.account_uuid = _uuid(rng)
        self.device_id = f"{rng.getrandbits(256):064x}"  # Claude Code's user.id: an installation id
        self.os = rng.choice((("darwin", "arm64"), ("linux", "amd64")))
        self.terminal = rng.choice(("vscode", "iTerm.app", "cursor", "tmux"))


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


class ClaudeCode:
    def __init__(
        self,
        rng: random.Random,
        tenants: list[Tenant],
        registry: Registry,
        metrics: MetricsAggregator,
        summary: GenerationSummary,
        content: bool,
    ) -> None:
        self.rng = rng
        self.registry = registry
        self.metrics = metrics
        self.summary = summary
        self.content = content
        self.developers = [Developer(rng, t, i) for t in tenants for i in range(t.developers)]
        self.log_scope = registry.scope("com.anthropic.claude_code.events", VERSION)
        self.metric_scope = registry.scope("com.anthropic.claude_code", VERSION)
        self.skills = SkillActivity()

    def session_starts(self, day_start_ns: int, day_end_ns: int, requests_per_day: int) -> list[int]:
        count = max(1, round(requests_per_day * SESSIONS_PER_REQUESTS)) if requests_per_day else 0
        # Working hours, UTC 07-19, and always finished before the day is over.
        latest = min(day_start_ns + 19 * 3600 * NS, day_end_ns - MAX_SESSION_NS)
        earliest = day_start_ns + 7 * 3600 * NS
        return sorted(randint(self.rng, earliest, latest) for _ in range(count))

    def _resource(self, dev: Developer) -> str:
        os_type, arch = dev.os
        return self.registry.plain(
            f"claude-code|{os_type}",
            {
                "service.name": "claude-code",
                "service.version": VERSION,
                "os.type": os_type,
                "host.arch": arch,
            },
        )

    def session(self, start_ns: int) -> list[tuple[str, str, dict[str, Any]]]:
        """All log records of one session; its metrics go straight to the aggregator."""
        rng, summary = self.rng, self.summary
        dev = rng.choice(self.developers)
        session_id = _uuid(rng)
        resource = self._resource(dev)
        standard = {
            "session.id": session_id,
            "organization.id": dev.tenant.id,
            "user.account_uuid": dev.account_uuid,
            "user.email": dev.email,
            "user.id": dev.device_id,
            "terminal.type": dev.terminal,
            "app.version": VERSION,
        }
        summary.tenants.add(dev.tenant.id)
        summary.user_ids.update((dev.email, dev.account_uuid, dev.device_id))
        summary.claude_code["sessions"] += 1
        metric_attrs = tuple((k, v) for k, v in standard.items() if k != "terminal.type")
        self.metrics.counter(
            start_ns, resource, self.metric_scope, "claude_code.session.count", metric_attrs, 1, is_int=True
        )
        records: list[tuple[str, str, dict[str, Any]]] = []
        seq = 0
        deadline = start_ns + MAX_SESSION_NS - 60 * NS

        def event(name: str, time_ns: int, attrs: dict[str, Any]) -> None:
            nonlocal seq
            full = f"claude_code.{name}"
            stamp = (
                datetime.fromtimestamp(time_ns / NS, UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z")
            )
            record_attrs = {
                **standard,
                "event.name": full,
                "event.timestamp": stamp,
                "event.sequence": seq,
                **attrs,
            }
            records.append(
                (resource, self.log_scope, log_record(time_ns, "INFO", full, record_attrs, event_name=full))
            )
            seq += 1

        cursor = start_ns
        for _ in range(randint(rng, 2, 10)):
            if cursor >= deadline:
                break
            prompt = rng.choice(CLAUDE_CODE_PROMPTS)
            attrs: dict[str, Any] = {"prompt_length": len(prompt)}
            if self.content:
                attrs["prompt"] = prompt
                summary.prompt_texts.add(prompt)
            event("user_prompt", cursor, attrs)
            cursor += int(rng.uniform(0.2, 2) * NS)
            # a third of developers export without OTEL_LOG_TOOL_DETAILS (skill names redacted)
            details = int(dev.device_id[:8], 16) % 3 != 0
            cursor = self.skills.turn(random.Random(f"{session_id}-{cursor}"), event, cursor, details)
            for _ in range(randint(rng, 1, 5)):
                if cursor >= deadline:
                    break
                model = MODELS[
                    "claude-sonnet-4-20250514" if rng.random() < 0.75 else "claude-3-5-haiku-20241022"
                ]
                if rng.random() < 0.03:
                    duration = randint(rng, 300, 20_000)
                    event(
                        "api_error",
                        cursor + duration * MS,
                        {
                            "model": model.name,
                            "error": "Overloaded",
                            "status_code": "529",
                            "duration_ms": duration,
                            "attempt": 1,
                        },
                    )
                    summary.claude_code["api_errors"] += 1
                    cursor += (duration + randint(rng, 500, 3000)) * MS
                cursor = self._api_request(event, cursor, model, resource, metric_attrs)
                if rng.random() < 0.8:
                    tool = rng.choices([t for t, _ in TOOLS], weights=[w for _, w in TOOLS])[0]
                    duration = randint(rng, 5, 8000) if tool == "Bash" else randint(rng, 2, 300)
                    cursor += duration * MS
                    event(
                        "tool_result",
                        cursor,
                        {
                            "tool_name": tool,
                            "success": "true" if rng.random() < 0.93 else "false",
                            "duration_ms": duration,
                            "decision": "accept",
                            "source": rng.choice(("config", "user_temporary", "user_permanent")),
                        },
                    )
                    summary.claude_code["tool_results"] += 1
            cursor += int(rng.uniform(5, 180) * NS)  # the developer reads, thinks, types
        session_counters(
            self.metrics,
            resource,
            self.metric_scope,
            metric_attrs,
            MODELS["claude-sonnet-4-20250514"].name,
            start_ns,
            cursor,
        )
        summary.see_time(start_ns, cursor)
        return records

    def _api_request(self, event: Any, cursor: int, model: Any, resource: str, metric_attrs: tuple) -> int:
        rng, summary = self.rng, self.summary
        uncached = randint(rng, 3, 600)
        cache_read = int(rng.uniform(8_000, 140_000)) if rng.random() < 0.9 else 0
        cache_write = randint(rng, 200, 12_000)
        output = int(min(rng.lognormvariate(5.6, 1.0), 16_000)) + 1
        cost = round(
            (
                uncached * model.price_in
                + output * model.price_out
                + cache_read * model.price_cache_read
                + cache_write * model.price_cache_write
            )
            / 1e6,
            8,
        )
        duration = int(1500 + output / rng.uniform(40, 90) * 1000)
        end = cursor + duration * MS
        event(
            "api_request",
            end,
            {
                "model": model.name,
                "cost_usd": cost,
                "duration_ms": duration,
                "input_tokens": uncached,
                "output_tokens": output,
                "cache_read_tokens": cache_read,
                "cache_creation_tokens": cache_write,
            },
        )
        cc = summary.claude_code
        cc["api_requests"] += 1
        cc["input_tokens"] += uncached
        cc["output_tokens"] += output
        cc["cache_read_tokens"] += cache_read
        cc["cache_creation_tokens"] += cache_write
        summary.claude_code_cost_usd += _quantized(cost)
        with_model = (*metric_attrs, ("model", model.name))
        agg = self.metrics
        agg.counter(end, resource, self.metric_scope, "claude_code.cost.usage", with_model, cost)
        for kind, value in (
            ("input", uncached),
            ("output", output),
            ("cacheRead", cache_read),
            ("cacheCreation", cache_write),
        ):
            if value:
                agg.counter(
                    end,
                    resource,
                    self.metric_scope,
                    "claude_code.token.usage",
                    (*with_model, ("type", kind)),
                    value,
                    is_int=True,
                )
        return end


def _quantized(value: float) -> Decimal:
    return Decimal(str(value)).quantize(COST_QUANTUM)
