"""A small, deterministic lake written with pyarrow exactly as orchestration/lake/schema.py says.

It covers what the marts must get right: conventions (GenAI, OpenInference, OpenLLMetry, Claude Code
logs), tenant attributes only on the root span, cached and reasoning tokens, reported vs calculated
cost, an unpriced model, a price change inside the window, retries, errors, "HTTP 200 but failed"
answers, tail-sampled requests, agent loops, evaluation and feedback log events, an unknown tenant,
a trace that crosses midnight, and metric points of a self-hosted vLLM instance (token counters,
queue and KV-cache gauges with a saturated hour a day) and of a GenAI client (token usage histogram).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lake.schema import LAKE_TABLES

DAYS = (date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 1))
TENANTS = ("acme", "globex", "initech", "hooli", "newco", None)  # newco: not in the seed; None: no tenant
FEATURES = ("chat", "search", "summarize")
MODELS = (
    # provider as emitted, request model, response model
    ("openai", "gpt-4o", "gpt-4o-2024-08-06"),
    ("openai", "gpt-4o-mini", "gpt-4o-mini"),
    ("anthropic", "claude-sonnet-4", "claude-sonnet-4-20250514"),
    ("gcp.vertex_ai", "gemini-2.5-flash", None),
    ("aws.bedrock", "mystery-model-x", "mystery-model-x"),  # no price anywhere
)
CONVENTIONS = ("genai", "openinference", "openllmetry")


def _ns(ts: datetime) -> int:
    return int(ts.timestamp() * 1_000_000) * 1000


class _Writer:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.offset = 0

    def _lineage(self) -> dict:
        self.offset += 1
        return {"source_file_id": "fixture-file", "source_offset": f"line {self.offset}"}

    def span(
        self, trace_id: str, span_id: str, parent: str | None, name: str, start: datetime, ms: float, **kw
    ) -> None:
        end = start + timedelta(milliseconds=ms)
        row = {
            "trace_id": trace_id,
            "span_id": span_id,
            "parent_span_id": parent,
            "span_name": name,
            "span_kind": kw.pop("span_kind", "INTERNAL"),
            "start_time_unix_nano": _ns(start),
            "end_time_unix_nano": _ns(end),
            "start_at": start,
            "end_at": end,
            "duration_ms": ms,
            "status_code": kw.pop("status_code", "UNSET"),
            "attributes": json.dumps(kw.pop("attributes", {})),
            "service_name": "assistant-api",
            "service_version": "1.4.2",
            "deployment_environment": "prod",
            "resource_attributes": json.dumps({"service.name": "assistant-api"}),
            **self._lineage(),
            **kw,
        }
        self.rows["spans"].append(row)

    def log(self, at: datetime, **kw) -> None:
        row = {
            "time_unix_nano": _ns(at),
            "observed_time_unix_nano": _ns(at),
            "log_at": at,
            "severity_number": 9,
            "severity_text": "INFO",
            "attributes": json.dumps(kw.pop("attributes", {})),
            "service_name": kw.pop("service_name", "assistant-api"),
            **self._lineage(),
            **kw,
        }
        self.rows["logs"].append(row)

    def metric(self, name: str, kind: str, at: datetime, service: str, instance: str, **kw) -> None:
        attributes = kw.pop("attributes", {})
        row = {
            "metric_name": name,
            "metric_type": kind,
            "aggregation_temporality": "CUMULATIVE" if kind in ("sum", "histogram") else None,
            "is_monotonic": True if kind == "sum" else None,
            "time_unix_nano": _ns(at),
            "point_at": at,
            "attributes": json.dumps(attributes, sort_keys=True),
            "service_name": service,
            "resource_attributes": json.dumps({"service.name": service, "service.instance.id": instance}),
            "scope_name": "lake-fixture",
            **self._lineage(),
            **kw,
        }
        self.rows["metric_points"].append(row)


def _llm_call(
    w: _Writer,
    rng: random.Random,
    trace_id: str,
    sid: str,
    parent: str,
    start: datetime,
    *,
    attempt: int = 0,
    force: dict | None = None,
) -> float:
    provider, req_model, resp_model = rng.choice(MODELS)
    convention = rng.choice(CONVENTIONS)
    input_tokens = rng.randint(50, 4000)
    cache_read = rng.choice([0, 0, rng.randint(0, input_tokens // 2)])
    cache_write = rng.choice([0, 0, 0, rng.randint(0, (input_tokens - cache_read) // 2)])
    output_tokens = rng.randint(1, 800)
    reasoning = rng.choice([0, 0, rng.randint(0, output_tokens)])
    finish = rng.choices(["stop", "length", "content_filter", "refusal", "tool_calls"], [85, 5, 3, 3, 4])[0]
    if rng.random() < 0.04:
        output_tokens, reasoning = 0, 0
    streaming = rng.random() < 0.5
    ms = rng.uniform(200, 6000)
    cost = None
    if convention == "openinference" and rng.random() < 0.5:
        cost = Decimal(rng.randint(1, 900_000)) / Decimal(10**8)  # 9 decimals at most
    kw = {
        "span_type": "llm",
        "llm_convention": convention,
        "gen_ai_provider": provider,
        "gen_ai_operation": "chat",
        "request_model": req_model,
        "response_model": resp_model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "reasoning_tokens": reasoning,
        "total_tokens": input_tokens + output_tokens,
        "reported_cost_usd": cost,
        "finish_reasons": finish,
        "is_streaming": streaming,
        "ttft_ms": rng.uniform(50, ms / 2) if streaming else None,
        "retry_attempt": attempt,
        "is_fallback": False,
        "prompt_version": rng.choice(["v1", "v2"]),
        "span_kind": "CLIENT",
        "status_code": "OK",
    }
    kw.update(force or {})
    w.span(trace_id, sid, parent, f"chat {req_model}", start, ms, **kw)
    return ms


def build_rows(traces_per_day: int = 60, seed: int = 7) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    w = _Writer()
    n = 0
    for day in DAYS:
        for i in range(traces_per_day):
            n += 1
            trace_id = f"{n:032x}"
            sid = iter(f"{n:08x}{k:08x}" for k in range(1, 100))
            root = next(sid)
            tenant = rng.choice(TENANTS)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                seconds=rng.randint(0, 86000)
            )
            if i == 0 and day == DAYS[0]:
                start = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)  # crosses midnight
            t = start + timedelta(milliseconds=20)
            is_agent = rng.random() < 0.25
            child_error = rng.random() < 0.05
            hard_error = rng.random() < 0.05
            parent = root
            if is_agent:
                agent = next(sid)
                parent = agent
            spans_total = 0.0
            w.span(trace_id, next(sid), root, "retrieve", t, 80.0, span_type="retrieval")
            t += timedelta(milliseconds=100)
            calls = rng.choice([1, 1, 2, 3]) if not is_agent else rng.randint(2, 4)
            loop = is_agent and rng.random() < 0.4
            tool_seq = []
            for c in range(calls):
                ms = _llm_call(
                    w,
                    rng,
                    trace_id,
                    next(sid),
                    parent,
                    t,
                    attempt=1 if (c == 1 and rng.random() < 0.3) else 0,
                )
                t += timedelta(milliseconds=ms + 5)
                if is_agent:
                    tool = "search_web" if loop else rng.choice(["search_web", "lookup_order", "send_email"])
                    tool_seq.append(tool)
                    err = child_error and c == 0
                    w.span(
                        trace_id,
                        next(sid),
                        parent,
                        f"execute_tool {tool}",
                        t,
                        150.0,
                        span_type="tool",
                        gen_ai_operation="execute_tool",
                        tool_name=tool,
                        status_code="ERROR" if err else "OK",
                        error_type="TimeoutError" if err else None,
                    )
                    t += timedelta(milliseconds=160)
            if loop and len(tool_seq) < 3:
                for _ in range(3 - len(tool_seq)):
                    w.span(
                        trace_id,
                        next(sid),
                        parent,
                        "execute_tool search_web",
                        t,
                        150.0,
                        span_type="tool",
                        gen_ai_operation="execute_tool",
                        tool_name="search_web",
                        status_code="OK",
                    )
                    t += timedelta(milliseconds=160)
            if child_error and not is_agent:
                w.span(
                    trace_id,
                    next(sid),
                    root,
                    "parse_answer",
                    t,
                    5.0,
                    span_type="chain",
                    status_code="ERROR",
                    error_type="JSONDecodeError",
                )
                t += timedelta(milliseconds=10)
            spans_total = (t - start).total_seconds() * 1000 + 10
            if is_agent:
                w.span(
                    trace_id,
                    agent,
                    root,
                    "invoke_agent planner",
                    start + timedelta(milliseconds=10),
                    spans_total - 15,
                    span_type="agent",
                    agent_name="planner",
                    gen_ai_operation="invoke_agent",
                )
            w.span(
                trace_id,
                root,
                None,
                "POST /v1/answer",
                start,
                spans_total,
                span_kind="SERVER",
                span_type="chain",
                tenant_id=tenant,
                feature=rng.choice(FEATURES),
                team=rng.choice(["core", "growth"]),
                user_hash=f"u{rng.randint(1, 20):03d}",
                http_status_code=500 if hard_error else 200,
                status_code="ERROR" if hard_error else "UNSET",
                error_type="InternalError" if hard_error else None,
                sample_rate=0.5 if tenant == "hooli" else None,
            )
            if rng.random() < 0.3:
                w.log(
                    t + timedelta(seconds=1),
                    event_name="gen_ai.evaluation.result",
                    trace_id=trace_id,
                    span_id=root,
                    tenant_id=tenant,
                    eval_name="faithfulness",
                    eval_score=round(rng.random(), 3),
                    eval_label=rng.choice(["pass", "fail"]),
                )
            if rng.random() < 0.2:
                w.log(
                    t + timedelta(seconds=30),
                    event_name="user_feedback",
                    trace_id=trace_id,
                    span_id=root,
                    tenant_id=tenant,
                    feedback_score=rng.choice([-1.0, 1.0]),
                )
        # Claude Code: usage events with reported cost, no spans.
        for k in range(10):
            at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(minutes=7 * k)
            inp, cr = rng.randint(1000, 9000), rng.randint(0, 900)
            w.log(
                at,
                event_name="claude_code.api_request",
                service_name="claude-code",
                tenant_id="acme",
                user_hash=f"u{k:03d}",
                llm_convention="claude_code",
                span_type="llm",
                gen_ai_provider="anthropic",
                request_model="claude-sonnet-4-20250514",
                input_tokens=inp,
                output_tokens=rng.randint(10, 900),
                cache_read_tokens=cr,
                cache_write_tokens=0,
                reported_cost_usd=Decimal(rng.randint(1000, 90000)) / Decimal(10**7),
                attributes={"duration_ms": rng.randint(900, 9000), "model": "claude-sonnet-4-20250514"},
            )
        _engine_metrics(w, day)
        _genai_client_metrics(w, rng, day)
    return w.rows


VLLM_INSTANCE = "vllm-0.inference.svc:8000"  # in the engine_instances seed, so its hours are priced
VLLM_MODEL = {"model_name": "meta-llama/Llama-3.1-8B-Instruct"}


def _engine_metrics(w: _Writer, day: date) -> None:
    """A vLLM instance scraped every 15 minutes from 14:00 to 17:00 (cumulative since 13:00): tokens
    grow every scrape; from 15:00 to 16:00 the queue grows while the KV cache stands above 0.9."""
    started = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
    prompt = generation = 0
    for k in range(13):
        at = started + timedelta(hours=1, minutes=15 * k)
        saturated = 4 <= k < 8
        prompt += 90_000 if saturated else 40_000
        generation += 30_000 if saturated else 12_000
        common = {"attributes": VLLM_MODEL, "start_time_unix_nano": _ns(started)}
        for name, total in (
            ("vllm:prompt_tokens_total", prompt),
            ("vllm:generation_tokens_total", generation),
        ):
            w.metric(name, "sum", at, "vllm", VLLM_INSTANCE, value_double=float(total), **common)
        waiting = 2 + 3 * (k - 4) if saturated else 0
        kv_cache = 0.93 + 0.01 * (k - 4) if saturated else 0.4
        common = {"attributes": VLLM_MODEL}
        w.metric(
            "vllm:num_requests_waiting",
            "gauge",
            at,
            "vllm",
            VLLM_INSTANCE,
            value_double=float(waiting),
            **common,
        )
        w.metric(
            "vllm:kv_cache_usage_perc", "gauge", at, "vllm", VLLM_INSTANCE, value_double=kv_cache, **common
        )


def _genai_client_metrics(w: _Writer, rng: random.Random, day: date) -> None:
    """The app's gen_ai.client.token.usage histogram, cumulative, one point every half hour at noon."""
    started = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    bounds = [1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0]
    for token_type in ("input", "output"):
        counts = [0] * (len(bounds) + 1)
        total = 0.0
        for k in range(1, 4):
            for _ in range(20):
                tokens = rng.randint(50, 4000) if token_type == "input" else rng.randint(1, 800)
                counts[sum(tokens > b for b in bounds)] += 1
                total += tokens
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.token.type": token_type,
            }
            w.metric(
                "gen_ai.client.token.usage",
                "histogram",
                started + timedelta(minutes=30 * k),
                "assistant-api",
                "assistant-api-0",
                attributes=attributes,
                start_time_unix_nano=_ns(started),
                model="gpt-4o",
                token_type=token_type,
                count=sum(counts),
                sum=total,
                bucket_counts=list(counts),
                explicit_bounds=bounds,
            )


def write_lake(lake_dir: Path, rows: dict[str, list[dict]]) -> None:
    """Write rows as `<lake>/<table>/date=YYYY-MM-DD/part-0.parquet` plus the zero-row schema files."""
    for table, schema in LAKE_TABLES.items():
        empty = lake_dir / table / "date=1970-01-01"
        empty.mkdir(parents=True, exist_ok=True)
        pq.write_table(schema.empty_table(), empty / "_schema.parquet")
        time_col = {"spans": "start_at", "logs": "log_at", "metric_points": "point_at"}.get(table)
        by_date: dict[date, list[dict]] = defaultdict(list)
        for row in rows.get(table, []):
            by_date[row[time_col].date()].append(row)
        for day, day_rows in by_date.items():
            cols = {f.name: [r.get(f.name) for r in day_rows] for f in schema}
            out = lake_dir / table / f"date={day.isoformat()}"
            out.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table(cols, schema=schema), out / "part-0.parquet", compression="zstd")


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/lake")
    write_lake(target, build_rows())
    print(f"wrote fixture lake to {target}")
