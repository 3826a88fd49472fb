"""Hand-worked metric points, one small lake: every shape, a restart, a value drop, a delta/cumulative
mix, a cumulative run across midnight, a run older than the lake, and exponential scales that change.

The expected numbers in test_metric_semantics.py are worked out by hand from the values here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lake.schema import LAKE_TABLES

T0 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
LLAMA = {"model_name": "meta-llama/Llama-3.1-8B-Instruct"}
QWEN = {"model_name": "Qwen/Qwen2.5-7B-Instruct"}
GENAI_ATTRS = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
}


def ns(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000


class MetricLake:
    """Rows of the metric_points table, written like the landing writes them."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.spans: list[dict] = []

    def span(
        self, span_id: str, at: datetime, trace_state: str | None, attributes: dict | None = None
    ) -> None:
        """A root span carrying only what sampling needs: its tracestate and attributes."""
        self.spans.append(
            {
                "trace_id": f"{len(self.spans) + 1:032x}",
                "span_id": span_id,
                "trace_state": trace_state,
                "span_name": "sampled request",
                "span_kind": "SERVER",
                "start_time_unix_nano": ns(at),
                "end_time_unix_nano": ns(at) + 1_000_000,
                "start_at": at.replace(tzinfo=None),
                "end_at": at.replace(tzinfo=None),
                "duration_ms": 1.0,
                "status_code": "UNSET",
                "attributes": json.dumps(attributes or {}),
                "sample_rate": (attributes or {}).get("SampleRate"),
                "service_name": "sampled-app",
                "resource_attributes": json.dumps({"service.name": "sampled-app"}),
                "source_file_id": "metric-fixture",
                "source_offset": f"span {len(self.spans) + 1}",
            }
        )

    def llm_call(
        self, span_id: str, at: datetime, provider: str, model: str, tokens: tuple[int, int]
    ) -> None:
        """An app's chat call to a model, as the landing types it (GenAI semconv)."""
        self.span(span_id, at, None, {"gen_ai.provider.name": provider, "gen_ai.request.model": model})
        self.spans[-1].update(
            span_name=f"chat {model}",
            span_kind="CLIENT",
            span_type="llm",
            llm_convention="genai",
            gen_ai_provider=provider,
            gen_ai_operation="chat",
            request_model=model,
            response_model=model,
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            total_tokens=sum(tokens),
            tenant_id="acme",
            service_name="chat-app",
        )

    def point(
        self,
        name: str,
        kind: str,
        at: datetime,
        start: datetime | None,
        instance: str = "vllm-0.inference.svc:8000",
        service: str = "vllm",
        attributes: dict | None = None,
        temporality: str | None = "CUMULATIVE",
        monotonic: bool | None = None,
        **fields,
    ) -> None:
        attributes = attributes or {}
        self.rows.append(
            {
                "metric_name": name,
                "metric_type": kind,
                "aggregation_temporality": temporality if kind != "gauge" and kind != "summary" else None,
                "is_monotonic": monotonic if kind == "sum" else None,
                "start_time_unix_nano": ns(start) if start else None,
                "time_unix_nano": ns(at),
                "point_at": at.replace(tzinfo=None),
                "attributes": json.dumps(attributes, sort_keys=True),
                "model": attributes.get("gen_ai.response.model") or attributes.get("gen_ai.request.model"),
                "service_name": service,
                "resource_attributes": json.dumps({"service.name": service, "service.instance.id": instance}),
                "scope_name": "fixture",
                "source_file_id": "metric-fixture",
                "source_offset": f"line {len(self.rows) + 1}",
                **fields,
            }
        )

    def counter(self, name: str, at: datetime, start: datetime | None, value: float, **kw) -> None:
        self.point(name, "sum", at, start, monotonic=True, value_double=float(value), **kw)

    def write(self, lake_dir: Path) -> None:
        for table, schema in LAKE_TABLES.items():
            empty = lake_dir / table / "date=1970-01-01"
            empty.mkdir(parents=True, exist_ok=True)
            pq.write_table(schema.empty_table(), empty / "_schema.parquet")
        for table, rows, time_column in (
            ("metric_points", self.rows, "point_at"),
            ("spans", self.spans, "start_at"),
        ):
            schema = LAKE_TABLES[table]
            by_date: dict = defaultdict(list)
            for row in rows:
                by_date[row[time_column].date()].append(row)
            for day, day_rows in by_date.items():
                out = lake_dir / table / f"date={day.isoformat()}"
                out.mkdir(parents=True, exist_ok=True)
                cols = {f.name: [r.get(f.name) for r in day_rows] for f in schema}
                pq.write_table(pa.table(cols, schema=schema), out / "part-0.parquet")


def hand_worked_lake() -> MetricLake:
    lake = MetricLake()
    m = timedelta(minutes=1)

    # Counter with a restart (new start time): 100, 250, 400 | restart at 11:20 | 30, 90.
    # Increases: 100 (since start), 150, 150, 30 (restart), 60 -> hour 10: 250, hour 11: 180, hour 12: 60.
    run1, run2 = T0 - 5 * m, T0 + 80 * m
    for minutes, start, value in (
        (0, run1, 100),
        (30, run1, 250),
        (60, run1, 400),
        (90, run2, 30),
        (120, run2, 90),
    ):
        lake.counter("vllm:prompt_tokens", T0 + minutes * m, start, value, attributes=LLAMA)
    # A second model on the same engine in hour 12 (the GPU cost is split by tokens: 60 vs 30).
    lake.counter("vllm:prompt_tokens", T0 + 120 * m, T0 + 115 * m, 30, attributes=QWEN)
    # Counter whose value drops under the same start time (a restart the exporter did not mark):
    # 50, 80, 20, 25 -> increases 50, 30, 20, 5.
    for minutes, value in ((0, 50), (30, 80), (60, 20), (90, 25)):
        lake.counter("app.requests", T0 + minutes * m, T0 - m, value, instance="app-1")
    # The same metric as deltas from another instance: 7 and 5 (a delta / cumulative mix).
    for minutes, value in ((10, 7), (40, 5)):
        lake.counter(
            "app.requests",
            T0 + minutes * m,
            T0 + (minutes - 10) * m,
            value,
            instance="app-2",
            temporality="DELTA",
        )
    # A cumulative run across midnight: 10 on the 2nd, 25 and 40 on the 3rd -> 10 | 15 + 15.
    night = datetime(2025, 6, 2, 23, 0, tzinfo=UTC)
    for minutes, value in ((30, 10), (90, 25), (120, 40)):
        lake.counter("vllm:generation_tokens", night + minutes * m, night, value, attributes=LLAMA)
    # A run that began before the lake: its first point is no baseline, its second adds 10.
    old = datetime(2025, 5, 1, tzinfo=UTC)
    for minutes, value in ((60, 1000), (90, 1010)):
        lake.counter(
            "vllm:generation_tokens",
            night + minutes * m,
            old,
            value,
            instance="vllm-1.inference.svc:8000",
            attributes=LLAMA,
        )

    # Gauges. Hour 10: the queue grows 0, 2, 5, 9 while the KV cache (old name) fills 0.85 .. 0.99:
    # saturated. Hour 11: the queue drains 9, 4 under a full cache (new name): not saturated.
    for minutes, waiting, cache in (
        (0, 0, 0.85),
        (15, 2, 0.93),
        (30, 5, 0.97),
        (45, 9, 0.99),
        (65, 9, 0.99),
        (95, 4, 0.98),
    ):
        at = T0 + minutes * m
        lake.point(
            "vllm:num_requests_waiting", "gauge", at, None, attributes=LLAMA, value_double=float(waiting)
        )
        name = "vllm:gpu_cache_usage_perc" if minutes < 60 else "vllm:kv_cache_usage_perc"
        lake.point(name, "gauge", at, None, attributes=LLAMA, value_double=cache)

    # The engine host's GPU (DCGM exporter, its own resource): utilisation 80 %, 90 %; memory; power.
    gpu = {"Hostname": "vllm-0.inference.svc", "gpu": "0", "modelName": "NVIDIA L40S"}
    for minutes, util, memory, watts in ((5, 80, 40000, 300), (35, 90, 42000, 320)):
        for name, value in (
            ("DCGM_FI_DEV_GPU_UTIL", util),
            ("DCGM_FI_DEV_FB_USED", memory),
            ("DCGM_FI_DEV_POWER_USAGE", watts),
        ):
            lake.point(
                name,
                "gauge",
                T0 + minutes * m,
                None,
                instance="dcgm:9400",
                service="dcgm-exporter",
                attributes=gpu,
                value_double=float(value),
            )

    # Explicit histogram, cumulative, bounds 1 | 2 | 5: [1,2,1,0] then [2,4,3,1] -> increases [1,2,1,0], [1,2,2,1].
    bounds = [1.0, 2.0, 5.0]
    for minutes, counts, total in ((10, [1, 2, 1, 0], 9.0), (40, [2, 4, 3, 1], 30.0)):
        lake.point(
            "gen_ai.client.operation.duration",
            "histogram",
            T0 + minutes * m,
            T0,
            service="chat-api",
            instance="chat-1",
            attributes=GENAI_ATTRS,
            count=sum(counts),
            sum=total,
            bucket_counts=counts,
            explicit_bounds=bounds,
        )
    # The same histogram as a delta from a second instance: [0,1,1,0].
    lake.point(
        "gen_ai.client.operation.duration",
        "histogram",
        T0 + 50 * m,
        T0 + 40 * m,
        service="chat-api",
        instance="chat-2",
        attributes=GENAI_ATTRS,
        temporality="DELTA",
        count=2,
        sum=4.5,
        bucket_counts=[0, 1, 1, 0],
        explicit_bounds=bounds,
        min=1.5,
        max=3.0,
    )
    # Exponential, delta: scale 1 zero 1 positive offset 0 [2, 3]; scale 0 offset 1 [4].
    for minutes, scale, offset, counts, zero in ((20, 1, 0, [2, 3], 1), (25, 0, 1, [4], 0)):
        lake.point(
            "gen_ai.server.time_to_first_token",
            "exponential_histogram",
            T0 + minutes * m,
            T0 + (minutes - 5) * m,
            service="chat-api",
            instance=f"chat-{minutes}",
            attributes=GENAI_ATTRS,
            temporality="DELTA",
            count=sum(counts) + zero,
            sum=20.0,
            exp_scale=scale,
            exp_zero_count=zero,
            exp_zero_threshold=0.0,
            exp_positive_offset=offset,
            exp_positive_bucket_counts=counts,
            exp_negative_offset=0,
            exp_negative_bucket_counts=[],
        )
    # Exponential, cumulative, the scale drops from 1 to 0: [1, 1] at scale 1 is [2] at scale 0, so
    # [3, 1] at scale 0 adds 1 to (1, 2] and 1 to (2, 4].
    for minutes, scale, counts in ((10, 1, [1, 1]), (40, 0, [3, 1])):
        lake.point(
            "gen_ai.server.request.duration",
            "exponential_histogram",
            T0 + minutes * m,
            T0,
            service="chat-api",
            instance="chat-1",
            attributes=GENAI_ATTRS,
            count=sum(counts),
            sum=10.0,
            exp_scale=scale,
            exp_zero_count=0,
            exp_positive_offset=0,
            exp_positive_bucket_counts=counts,
            exp_negative_offset=0,
            exp_negative_bucket_counts=[],
        )
    # Summaries: cumulative (one start time) 10 / 100 then 15 / 160; a reset-per-export client 4 then 6.
    for minutes, count, total in ((10, 10, 100.0), (40, 15, 160.0)):
        lake.point(
            "app.request.latency",
            "summary",
            T0 + minutes * m,
            T0,
            instance="app-1",
            count=count,
            sum=total,
            quantile_values=[{"quantile": 0.5, "value": 9.0}, {"quantile": 0.99, "value": 20.0}],
        )
    for minutes, count in ((10, 4), (20, 6)):
        lake.point(
            "app.request.latency",
            "summary",
            T0 + minutes * m,
            T0 + (minutes - 10) * m,
            instance="app-2",
            count=count,
            sum=float(count),
            quantile_values=[],
        )
    # Sampled spans: OpenTelemetry's probability sampler writes its threshold into the tracestate
    # (keep 1 - T / 2^56); a SampleRate attribute, when present, is the rate instead.
    for minutes, (span_id, state, attributes) in enumerate(
        (
            ("half", "ot=th:8", None),
            ("quarter", "vendor=a,ot=rv:0123456789abcd;th:c", None),
            ("all", "ot=th:0", None),
            ("percent", "ot=th:fd70a4", None),
            ("not_ot", "xot=th:8", None),
            ("none", None, None),
            ("attribute", "ot=th:8", {"SampleRate": 10}),
        )
    ):
        lake.span(span_id, T0 + minutes * m, state, attributes)
    # An app calling the self-hosted models (priced at the day's GPU cost per token), and one that no
    # engine reported serving (unpriced: a price is never guessed).
    lake.llm_call("self_hosted_llama", T0 + 150 * m, "vllm", LLAMA["model_name"], (1200, 300))
    lake.llm_call("self_hosted_qwen", T0 + 155 * m, "vLLM", QWEN["model_name"], (30, 0))
    lake.llm_call("self_hosted_unserved", T0 + 160 * m, "ollama", "llama3.2:3b", (100, 50))
    return lake
