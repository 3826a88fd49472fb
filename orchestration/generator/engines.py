"""A self-hosted vLLM fleet's metrics, as a collector's Prometheus receiver turns them into OTLP.

Two engine instances serve one open-weights model. Every 10 minutes each is scraped: cumulative
counters (prompt / generation tokens, preemptions, prefix-cache queries and hits) and cumulative
explicit-bucket histograms (TTFT, inter-token latency, end-to-end, queue time) since the engine
started; gauges (running and waiting requests, KV-cache usage); the host's GPU from NVIDIA's DCGM
exporter; and the GenAI server metrics (time to first token, request duration) as delta
exponential histograms. The second instance restarts on the first day (its counters and start time
begin again); one hour a day the fleet saturates (the queue grows while the KV cache is full).
A random stream of its own keeps the rest of the generator's output unchanged.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .metrics import _ExpHistogram, _Histogram
from .otlp import TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA, kv
from .resources import Registry
from .spans import NS

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
INSTANCES = ("vllm-0.inference.svc:8000", "vllm-1.inference.svc:8000")
SCRAPE_NS = 600 * NS
HOUR_NS = 3600 * NS
RESTART_AT_NS = 13 * HOUR_NS + 20 * 60 * NS  # instance 1 restarts at 13:20 on the first day
SATURATED_HOUR = 15  # UTC hour of each day when the fleet saturates
# vLLM's own bucket bounds (seconds)
TTFT_BOUNDS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
ITL_BOUNDS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5)
REQUEST_BOUNDS = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0)
COUNTERS = (
    "vllm:prompt_tokens_total",
    "vllm:generation_tokens_total",
    "vllm:num_preemptions_total",
    "vllm:prefix_cache_queries_total",
    "vllm:prefix_cache_hits_total",
)
HISTOGRAMS = {
    "vllm:time_to_first_token_seconds": TTFT_BOUNDS,
    "vllm:inter_token_latency_seconds": ITL_BOUNDS,
    "vllm:e2e_request_latency_seconds": REQUEST_BOUNDS,
    "vllm:request_queue_time_seconds": REQUEST_BOUNDS,
}
GAUGES = ("vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc")
DCGM = ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_POWER_USAGE")
SERVER_HISTOGRAMS = ("gen_ai.server.time_to_first_token", "gen_ai.server.request.duration")


class _EngineRun:
    """One process lifetime of an engine: its counters and histograms accumulate from `start_ns`."""

    def __init__(self, start_ns: int) -> None:
        self.start_ns = start_ns
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.histograms = {name: _Histogram(bounds) for name, bounds in HISTOGRAMS.items()}


class EngineFleet:
    def __init__(self, seed: int, registry: Registry) -> None:
        self.rng = random.Random(seed * 7919 + 17)
        self.registry = registry
        self.scope = registry.scope("otelcol/prometheusreceiver", "0.120.0")
        self.dcgm_scope = registry.scope("otelcol/prometheusreceiver", "0.120.0")
        self.resources = [
            registry.plain(
                f"vllm|{instance}",
                {"service.name": "vllm", "service.instance.id": instance, "server.address": instance},
            )
            for instance in INSTANCES
        ]
        self.dcgm = [
            registry.plain(
                f"dcgm|{instance}",
                {"service.name": "dcgm-exporter", "service.instance.id": instance.split(":")[0] + ":9400"},
            )
            for instance in INSTANCES
        ]
        self.runs: list[_EngineRun | None] = [None, None]
        self.first_day_ns: int | None = None
        self.restarted = False
        self.waiting = [0.0, 0.0]
        self.truth: Counter[str] = Counter()  # tokens the engines processed (the marts must find)

    def day(self, day_start_ns: int) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
        """Export messages of one day, one per hour: (resource, scope, metric) items."""
        if self.first_day_ns is None:
            self.first_day_ns = day_start_ns
        for hour in range(24):
            items: list[tuple[str, str, dict[str, Any]]] = []
            for scrape in range(HOUR_NS // SCRAPE_NS):
                # a second before each 10-minute mark, so a day's scrapes stay in its day
                at = day_start_ns + hour * HOUR_NS + (scrape + 1) * SCRAPE_NS - NS
                for i in range(len(INSTANCES)):
                    items.extend(self._scrape(i, at, hour))
            yield items

    def _scrape(self, i: int, at: int, hour: int) -> list[tuple[str, str, dict[str, Any]]]:
        rng = self.rng
        run = self.runs[i]
        if run is None:
            run = self.runs[i] = _EngineRun(at - SCRAPE_NS + NS)  # started at the top of the window
        elif i == 1 and not self.restarted and at >= (self.first_day_ns or 0) + RESTART_AT_NS:
            run = self.runs[i] = _EngineRun(at - SCRAPE_NS // 2)  # a crash: everything starts again
            self.restarted = True
        saturated = hour == SATURATED_HOUR
        requests = max(0, int(rng.gauss(60 if saturated else 20 + 15 * (8 <= hour < 20), 4)))
        server = {name: _ExpHistogram() for name in SERVER_HISTOGRAMS}
        slow = 6.0 if saturated else 1.0
        for _ in range(requests):
            prompt, generated = rng.randint(200, 2000), rng.randint(20, 400)
            queue = rng.uniform(2.0, 20.0) if saturated else rng.uniform(0.001, 0.05)
            ttft = rng.uniform(0.04, 0.3) * slow
            itl = rng.uniform(0.015, 0.045) * (2.0 if saturated else 1.0)
            e2e = queue + ttft + generated * itl
            run.counters["vllm:prompt_tokens_total"] += prompt
            run.counters["vllm:generation_tokens_total"] += generated
            run.counters["vllm:prefix_cache_queries_total"] += prompt
            run.counters["vllm:prefix_cache_hits_total"] += int(prompt * rng.uniform(0.3, 0.5))
            for name, value in (
                ("vllm:time_to_first_token_seconds", ttft),
                ("vllm:inter_token_latency_seconds", itl),
                ("vllm:e2e_request_latency_seconds", e2e),
                ("vllm:request_queue_time_seconds", queue),
            ):
                run.histograms[name].add(value, at, None)
            server["gen_ai.server.time_to_first_token"].add(queue + ttft)
            server["gen_ai.server.request.duration"].add(e2e)
            self.truth["prompt_tokens"] += prompt
            self.truth["generation_tokens"] += generated
        if saturated:
            run.counters["vllm:num_preemptions_total"] += rng.randint(3, 12)
            self.waiting[i] += rng.uniform(2, 6)
        else:
            self.waiting[i] = 0.0
        self.truth["requests"] += requests
        return self._points(i, run, at, saturated, requests, server)

    def _points(
        self, i: int, run: _EngineRun, at: int, saturated: bool, requests: int, server: dict[str, Any]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        rng, res = self.rng, self.resources[i]
        model = kv({"model_name": MODEL, "engine": "0"})
        cumulative = {"attributes": model, "startTimeUnixNano": str(run.start_ns), "timeUnixNano": str(at)}
        out: list[tuple[str, str, dict[str, Any]]] = []
        for name, value in run.counters.items():
            data = {"dataPoints": [{**cumulative, "asDouble": float(value)}]}
            data.update(aggregationTemporality=TEMPORALITY_CUMULATIVE, isMonotonic=True)
            out.append((res, self.scope, {"name": name, "sum": data}))
        for name, histogram in run.histograms.items():
            point = histogram.point(cumulative)
            if not histogram.count:  # no min / max before the first observation
                del point["min"], point["max"]
            data = {"dataPoints": [point], "aggregationTemporality": TEMPORALITY_CUMULATIVE}
            out.append((res, self.scope, {"name": name, "unit": "s", "histogram": data}))
        levels = (
            min(requests / 6.0, 48.0),
            round(self.waiting[i], 1),
            rng.uniform(0.93, 0.99) if saturated else rng.uniform(0.2, 0.6),
        )
        for name, value in zip(GAUGES, levels, strict=True):
            point = {"attributes": model, "timeUnixNano": str(at), "asDouble": float(value)}
            out.append((res, self.scope, {"name": name, "gauge": {"dataPoints": [point]}}))
        host = kv({"Hostname": INSTANCES[i].split(":")[0], "gpu": "0", "modelName": "NVIDIA L40S"})
        gpu = (
            98.0 if saturated else rng.uniform(35, 70),
            float(rng.randint(38000, 44000)),
            rng.uniform(280, 340) if saturated else rng.uniform(180, 260),
        )
        for name, value in zip(DCGM, gpu, strict=True):
            point = {"attributes": host, "timeUnixNano": str(at), "asDouble": round(value, 3)}
            out.append((self.dcgm[i], self.dcgm_scope, {"name": name, "gauge": {"dataPoints": [point]}}))
        genai = kv(
            {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "vllm", "gen_ai.request.model": MODEL}
        )
        delta = {"attributes": genai, "startTimeUnixNano": str(at - SCRAPE_NS), "timeUnixNano": str(at)}
        for name, histogram in server.items():
            if histogram.count:
                data = {"dataPoints": [histogram.point(delta)], "aggregationTemporality": TEMPORALITY_DELTA}
                out.append((res, self.scope, {"name": name, "unit": "s", "exponentialHistogram": data}))
        return out
