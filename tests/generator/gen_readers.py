"""Independent readers for generated files: every format back to protobuf messages / JSON dicts."""

from __future__ import annotations

import base64
import gzip
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import zstandard
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

PROTO = {
    "traces": ExportTraceServiceRequest,
    "logs": ExportLogsServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
ID_KEYS = {"traceId", "spanId", "parentSpanId"}


def json_documents(path: Path, fmt: str) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    if fmt == "jsonl.gz":
        raw = gzip.decompress(raw)
    elif fmt == "jsonl.zst":
        raw = zstandard.ZstdDecompressor().stream_reader(raw).read()
    if fmt == "json":
        return [orjson.loads(raw)]
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def _hex_to_b64(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (base64.b64encode(bytes.fromhex(v)).decode() if k in ID_KEYS else _hex_to_b64(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hex_to_b64(v) for v in value]
    return value


def frames(raw: bytes) -> Iterator[bytes]:
    offset = 0
    while offset < len(raw):
        (size,) = struct.unpack_from(">I", raw, offset)
        offset += 4
        yield raw[offset : offset + size]
        offset += size
    assert offset == len(raw), "trailing bytes after the last frame"


def proto_messages(path: Path, fmt: str, signal: str) -> list[Any]:
    cls = PROTO[signal]
    if fmt.startswith("jsonl") or fmt == "json":
        return [json_format.ParseDict(_hex_to_b64(doc), cls()) for doc in json_documents(path, fmt)]
    raw = path.read_bytes()
    if fmt == "proto":
        return [cls.FromString(raw)]
    out = []
    for frame in frames(raw):
        if fmt == "proto-framed-zstd":
            frame = zstandard.ZstdDecompressor().decompress(frame)
        out.append(cls.FromString(frame))
    return out


def any_value(v: dict[str, Any]) -> Any:
    ((kind, x),) = v.items()
    if kind == "intValue":
        return int(x)
    if kind == "arrayValue":
        return [any_value(i) for i in x.get("values", [])]
    if kind == "kvlistValue":
        return {kv["key"]: any_value(kv["value"]) for kv in x.get("values", [])}
    return x


def attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {kv["key"]: any_value(kv["value"]) for kv in items}


def iter_json_spans(
    doc: dict[str, Any], skip_scopes: tuple[str, ...] = ()
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for rs in doc.get("resourceSpans", []):
        resource = attrs(rs["resource"]["attributes"])
        for ss in rs["scopeSpans"]:
            if ss.get("scope", {}).get("name") in skip_scopes:
                continue
            for span in ss["spans"]:
                yield resource, span


def iter_json_logs(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for rl in doc.get("resourceLogs", []):
        resource = attrs(rl["resource"]["attributes"])
        for sl in rl["scopeLogs"]:
            for record in sl["logRecords"]:
                yield resource, record


def iter_json_metrics(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for rm in doc.get("resourceMetrics", []):
        resource = attrs(rm["resource"]["attributes"])
        for sm in rm["scopeMetrics"]:
            for metric in sm["metrics"]:
                yield resource, metric
