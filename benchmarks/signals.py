"""Every signal and encoding, decoded to Arrow: the native decoder against the Python path and a plain
baseline, on the same generated telemetry in the same run (CPU seconds of one core, so a noisy shared
machine changes the ratios less than the rates).

    python -m benchmarks.signals                        # ~60k spans with their logs and metric points
    python -m benchmarks.signals --requests 30000 --repeat 3

For each signal (traces, logs, metrics) and encoding (JSON lines, protobuf messages of the collector's
`format: proto`):
- native: what landing runs, `NativeDecoder.decode_lines` on blocks of lines; for protobuf the reader's
  check of each message's wire format (`plausible_signal`, to know it is whole and what it holds), then
  `decode_messages` on 4 MiB of them at a time;
- Python path: orjson (JSON) or protobuf's parse and MessageToDict (proto), `Normalizer`, `rows_to_table`;
- baseline: orjson or protobuf's `ParseFromString`, then a flat pyarrow table (a row a record: ids, name,
  time, attributes as JSON), none of the lake's privacy, semantics or typed columns.
Parquet writing, the same for all, is left out. Prints records/s of each, and native against the others.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from orchestration.arrow_without_pandas import skip_pandas_probe
from orchestration.generator import GeneratorConfig, generate
from orchestration.lake.export_requests import Batch, detect_signal
from orchestration.lake.normalize import Normalizer
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.lake.schema import LAKE_TABLES
from orchestration.lake.writer import rows_to_table
from orchestration.landing.decode import NATIVE_MESSAGE_BYTES
from orchestration.native import decoder as native
from orchestration.otlp.lines import BLOCK_BYTES
from orchestration.otlp.proto import parse_request, request_dict
from orchestration.otlp.reader import read_units

SIGNALS = ("traces", "logs", "metrics")
# the records of a request, by signal: (resource list, scope list, record list) in OTLP/JSON and protobuf
PATHS = {
    "traces": (("resourceSpans", "scopeSpans", "spans"), ("resource_spans", "scope_spans", "spans")),
    "logs": (("resourceLogs", "scopeLogs", "logRecords"), ("resource_logs", "scope_logs", "log_records")),
    "metrics": (
        ("resourceMetrics", "scopeMetrics", "metrics"),
        ("resource_metrics", "scope_metrics", "metrics"),
    ),
}


def _attribute_filter() -> AttributeFilter:
    return AttributeFilter(SubjectHasher(b"k"), keep_content=False, hash_sessions=True, max_value_chars=16384)


def _normalizer() -> Normalizer:
    return Normalizer(_attribute_filter(), "bench", 7, {t: s.names for t, s in LAKE_TABLES.items()})


def _blocks(data: bytes, size: int) -> Iterator[bytes]:
    start = 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + size) + 1 or len(data)
        yield data[start:end]
        start = end


# --- the three paths, each returning the records it decoded ------------------------------------


def native_json(data: bytes) -> int:
    decoder, records = native.NativeDecoder(_attribute_filter()), 0
    for block in _blocks(data, BLOCK_BYTES):
        decoded = decoder.decode_lines(block, 1, "bench")
        assert not decoded.refused, decoded.refused[:3]
        records += decoded.records
    return records


def native_proto(bodies: list[bytes]) -> int:
    for body in bodies:  # the frame reader tells each message's signal from its wire format (otlp/frames.py)
        assert native.plausible_signal(body)
    decoder, records, start = native.NativeDecoder(_attribute_filter()), 0, 0
    while start < len(bodies):
        end, size = start, 0
        while end < len(bodies) and size < NATIVE_MESSAGE_BYTES:
            size += len(bodies[end])
            end += 1
        bounds, at = [], 0
        for body in bodies[start:end]:
            bounds.append((at, at + len(body)))
            at += len(body)
        locations = [f"message {k}" for k in range(start, end)]
        decoded = decoder.decode_messages(b"".join(bodies[start:end]), bounds, locations, "bench")
        assert not decoded.refused, decoded.refused[:3]
        records += decoded.records
        start = end
    return records


def _python(requests: Iterator[tuple[str, dict[str, Any]]]) -> int:
    normalizer, batch, records = _normalizer(), Batch(), 0
    for n, (signal, request) in enumerate(requests):
        getattr(normalizer, signal)(request, f"unit {n}", batch)
        records += batch.records_in
        batch.records_in = 0
        if batch.row_count() >= 25_000:  # as a landing task flushes
            [rows_to_table(rows, LAKE_TABLES[t]) for t, rows in batch.rows.items() if rows]
            batch = Batch()
    [rows_to_table(rows, LAKE_TABLES[t]) for t, rows in batch.rows.items() if rows]
    return records


def python_json(data: bytes) -> int:
    return _python((detect_signal(r), r) for r in map(orjson.loads, data.splitlines()))


def python_proto(bodies: list[bytes]) -> int:
    def requests():
        for body in bodies:
            signal, message = parse_request(body)
            yield signal, request_dict(message)

    return _python(requests())


def _flat_tables(rows: Iterator[dict[str, Any]]) -> int:
    """Flat pyarrow tables of 100k rows from `rows`; returns how many."""
    batch: list[dict[str, Any]] = []
    records = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= 100_000:
            records += len(batch)
            pa.Table.from_pylist(batch)
            batch = []
    pa.Table.from_pylist(batch)
    return records + len(batch)


def baseline_json(data: bytes) -> int:
    def rows():
        for line in data.splitlines():
            request = orjson.loads(line)
            signal = detect_signal(request)
            outer, middle, inner = PATHS[signal][0]
            for resource in request.get(outer, []):
                for scope in resource.get(middle, []):
                    for record in scope.get(inner, []):
                        for point in _json_points(record) if signal == "metrics" else [record]:
                            yield {
                                "trace_id": record.get("traceId"), "span_id": record.get("spanId"),
                                "name": record.get("name") or record.get("eventName"),
                                "time": int(point.get("startTimeUnixNano") or point.get("timeUnixNano") or 0),
                                "attributes": orjson.dumps({a["key"]: a["value"] for a in point.get("attributes", [])}).decode(),
                            }  # fmt: skip

    return _flat_tables(rows())


def _json_points(metric: dict[str, Any]) -> list[dict[str, Any]]:
    for kind in ("gauge", "sum", "histogram", "exponentialHistogram", "summary"):
        if kind in metric:
            return metric[kind].get("dataPoints", [])
    return []


def baseline_proto(bodies: list[bytes], signal: str) -> int:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    cls = {
        "traces": ExportTraceServiceRequest,
        "logs": ExportLogsServiceRequest,
        "metrics": ExportMetricsServiceRequest,
    }
    outer, middle, inner = PATHS[signal][1]

    def rows():
        for body in bodies:
            request = cls[signal]()
            request.ParseFromString(body)
            for resource in getattr(request, outer):
                for scope in getattr(resource, middle):
                    for record in getattr(scope, inner):
                        metric = signal == "metrics"
                        for point in (
                            getattr(record, record.WhichOneof("data")).data_points if metric else [record]
                        ):
                            yield {
                                "trace_id": getattr(record, "trace_id", b"").hex(),
                                "span_id": getattr(record, "span_id", b"").hex(),
                                "name": getattr(record, "name", None) or getattr(record, "event_name", None),
                                "time": getattr(point, "start_time_unix_nano", 0) or point.time_unix_nano,
                                "attributes": orjson.dumps({a.key: str(a.value) for a in point.attributes}).decode(),
                            }  # fmt: skip

    return _flat_tables(rows())


def _timed(run: Callable[[], int]) -> tuple[int, float]:
    gc.collect()
    gc.disable()  # as in a landing task
    try:
        started = time.process_time()
        records = run()
        return records, time.process_time() - started
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10_000, help="generated requests (~6 spans each)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each path keeps its fastest")
    args = parser.parse_args()
    if not native.available():
        raise SystemExit(f"the native decoder is {native.status()}: `uv sync` builds it")
    skip_pandas_probe()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        print(f"generating {args.requests:,} requests as JSON lines and protobuf …", flush=True)
        generate(GeneratorConfig(out_dir=out, days=1, start_date=date(2026, 1, 5), tenants=8,
                                 requests_per_day=args.requests, seed=1, traces_per_file=10**9,
                                 formats=("jsonl", "proto-framed")))  # fmt: skip
        inputs = {}
        for signal in SIGNALS:
            [lines] = out.glob(f"{signal}-*.jsonl")
            [framed] = out.glob(f"{signal}-*.framed.binpb")
            inputs[signal] = (lines.read_bytes(), [unit.body for unit in read_units(framed)])
    print(
        f"\nCPU records/s on one core, fastest of {args.repeat}; Python path = orjson/protobuf + Normalizer"
    )
    print(f"{'signal':<9}{'encoding':<10}{'records':>10}{'native':>12}{'Python path':>13}{'baseline':>11}"
          f"{'vs Python':>11}{'vs baseline':>13}")  # fmt: skip
    for signal in SIGNALS:
        lines, bodies = inputs[signal]
        for encoding, paths in (
            ("json", {"native": partial(native_json, lines), "python": partial(python_json, lines),
                      "baseline": partial(baseline_json, lines)}),
            ("proto", {"native": partial(native_proto, bodies), "python": partial(python_proto, bodies),
                       "baseline": partial(baseline_proto, bodies, signal)}),
        ):  # fmt: skip
            best: dict[str, tuple[int, float]] = {}
            for _ in range(args.repeat):
                for name, run in paths.items():  # alternating, so a slow spell hits each alike
                    records, seconds = _timed(run)
                    if name not in best or seconds < best[name][1]:
                        best[name] = (records, seconds)
            records = best["native"][0]
            assert best["python"][0] == records, (signal, encoding, best)
            rate = {name: n / seconds for name, (n, seconds) in best.items()}
            print(f"{signal:<9}{encoding:<10}{records:>10,}{rate['native']:>12,.0f}{rate['python']:>13,.0f}"
                  f"{rate['baseline']:>11,.0f}{rate['native'] / rate['python']:>10.1f}x"
                  f"{rate['native'] / rate['baseline']:>12.1f}x", flush=True)  # fmt: skip
    print("\n(records: spans, log records, metric points; baseline: a flat table of 5 columns, no privacy or"
          " semantics; the baseline's metric records count points too)")  # fmt: skip


if __name__ == "__main__":
    main()
