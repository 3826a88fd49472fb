"""The native decoder on protobuf export requests (traces, logs, metrics) against the Python path
(otlp/proto.py's parse and MessageToDict, then `Normalizer`): every message it takes gives the same rows,
every message it refuses lands (or is quarantined) through the Python path, and generated files in each
protobuf encoding land the same lake both ways.
"""

from __future__ import annotations

import base64
import struct
from datetime import date
from pathlib import Path

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from orchestration.generator import GeneratorConfig, generate
from orchestration.native.decoder import NativeDecoder
from orchestration.otlp.proto import parse_request, request_dict
from orchestration.otlp.reader import read_units
from tests.landing.native_both_ways import assert_same_rows, decoder_filter, needs_native, same_lake_both_ways

pytestmark = needs_native
TRACE_ID = base64.b64encode(bytes(range(16))).decode()
SPAN_ID = base64.b64encode(bytes(range(8))).decode()
T0 = 1_767_600_000_000_000_000  # 2026-01-05


def _decode_both(bodies: list[bytes]) -> list[tuple[int, str]]:
    """Decode `bodies` natively, check its rows against the Python path's; returns the refused (index, why)."""
    bounds, at = [], 0
    for body in bodies:
        bounds.append((at, at + len(body)))
        at += len(body)
    locations = [f"message {k + 1}" for k in range(len(bodies))]
    decoded = NativeDecoder(decoder_filter()).decode_messages(b"".join(bodies), bounds, locations, "file-1")
    refused = {index for index, _ in decoded.refused}
    taken = [
        (locations[k], request_dict(parse_request(b)[1])) for k, b in enumerate(bodies) if k not in refused
    ]
    assert_same_rows(decoded, taken)
    assert decoded.units == len(taken)
    return decoded.refused


def _kv(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


def _trace(attributes: list[dict], **span) -> bytes:
    span = {"traceId": TRACE_ID, "spanId": SPAN_ID, "name": "chat", "startTimeUnixNano": str(T0),
            "endTimeUnixNano": str(T0 + 10**9), "attributes": attributes, **span}  # fmt: skip
    request = {"resourceSpans": [{"resource": {"attributes": [_kv("service.name", {"stringValue": "api"})]},
                                  "scopeSpans": [{"scope": {"name": "s"}, "spans": [span]}]}]}  # fmt: skip
    return json_format.ParseDict(request, ExportTraceServiceRequest()).SerializeToString()


def _log(body: dict | None, attributes: list[dict], **record) -> bytes:
    record = {"timeUnixNano": str(T0), "attributes": attributes, **({"body": body} if body else {}), **record}
    request = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}
    return json_format.ParseDict(request, ExportLogsServiceRequest()).SerializeToString()


def _gauge(points: list[dict], name: str = "gen_ai.client.token.usage") -> bytes:
    request = {
        "resourceMetrics": [
            {"scopeMetrics": [{"metrics": [{"name": name, "gauge": {"dataPoints": points}}]}]}
        ]
    }
    return json_format.ParseDict(request, ExportMetricsServiceRequest()).SerializeToString()


EDGE_MESSAGES = [
    _trace(
        [
            _kv("gen_ai.request.model", {"stringValue": "gpt-4o"}),
            _kv("gen_ai.usage.input_tokens", {"intValue": "12"}),
        ]
    ),
    _trace(
        [_kv("k", {"kvlistValue": {"values": [_kv("a", {"arrayValue": {"values": [{"boolValue": True}]}})]}})]
    ),
    _trace([_kv("blob", {"bytesValue": base64.b64encode(b"\x00\xff").decode()}), _kv("empty", {})]),
    _trace(
        [_kv("user.id", {"stringValue": "alice"}), _kv("session.id", {"stringValue": "s-1"})],
        kind="SPAN_KIND_CLIENT",
    ),
    _trace([_kv("k", {"stringValue": "a"}), _kv("k", {"stringValue": "b"})]),  # 5: a repeated key: refused
    _trace([_kv("k", {"stringValue": "x" * 500})]),  # 6: a value to cap: refused
    _log(
        {"stringValue": "hello"},
        [_kv("event.name", {"stringValue": "gen_ai.user.message"})],
        severityNumber=9,
    ),
    _log({"kvlistValue": {"values": [_kv("content", {"stringValue": "hi"})]}}, [], eventName="gen_ai.choice"),
    _log({"stringValue": "claude_code.api_request"}, [_kv("model", {"stringValue": "m"})], traceId=TRACE_ID),
    _log(None, [_kv("event.name", {"intValue": "3"})]),  # 10: an event name that is not a string: refused
    _gauge(
        [
            {
                "asInt": "7",
                "timeUnixNano": str(T0),
                "attributes": [_kv("gen_ai.token.type", {"stringValue": "input"})],
            }
        ]
    ),
    _gauge(
        [
            {
                "asDouble": 0.5,
                "timeUnixNano": str(T0),
                "exemplars": [
                    {"asDouble": 1.5, "timeUnixNano": str(T0), "spanId": SPAN_ID, "traceId": TRACE_ID}
                ],
            }
        ]
    ),
]


def test_edge_messages_give_the_python_paths_rows():
    refused = dict(_decode_both(EDGE_MESSAGES))
    assert set(refused) == {4, 5, 9}, refused
    assert refused[4] == "a repeated attribute key"
    assert refused[5] == "a value to cap"


def test_generated_messages_of_every_signal_are_all_taken(tmp_path: Path):
    generate(GeneratorConfig(out_dir=tmp_path, days=1, start_date=date(2026, 3, 1), tenants=2,
                             requests_per_day=60, seed=3, formats=("proto-framed",)))  # fmt: skip
    for signal in ("traces", "logs", "metrics"):
        [path] = tmp_path.glob(f"{signal}-*")
        refused = _decode_both([unit.body for unit in read_units(path)])
        assert refused == [], signal  # Claude Code's tool inputs included (tool_details.py)


def test_protobuf_files_land_the_same_lake_both_ways(tmp_path: Path):
    inbox = tmp_path / "inbox"
    generate(GeneratorConfig(out_dir=inbox, days=1, start_date=date(2026, 3, 1), tenants=2, requests_per_day=60,
                             seed=7, formats=("proto-framed", "proto-framed-zstd", "proto")))  # fmt: skip
    # messages the native decoder refuses, among others it takes, and a corrupt frame
    frames = [struct.pack(">I", len(body)) + body for body in EDGE_MESSAGES]
    corrupt = struct.pack(">I", 40) + b"\x0a\x26" + b"\xff" * 38
    # whole framing, but a string inside a span that is not UTF-8: protobuf refuses it as it decodes
    inner = EDGE_MESSAGES[0].replace(b"gpt-4o", b"gpt-4\xff")
    deep = struct.pack(">I", len(inner)) + inner
    (inbox / "edge.framed.binpb").write_bytes(b"".join([*frames[:6], corrupt, deep, *frames[6:]]))
    counts = same_lake_both_ways(inbox, tmp_path)
    assert counts["spans"] > 500 and counts["logs"] > 100 and counts["metric_points"] > 100
    # the corrupt frame, the string that is not UTF-8, the event name that is not a string
    assert counts["quarantine"] >= 3
