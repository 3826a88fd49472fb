"""Export objects as the collector's bucket exporters write them: one OTLP request per object, as a
JSON document (`otlp_json`, optionally gzip) or a protobuf message (`otlp_proto`, `.binpb`)."""

from __future__ import annotations

import base64
import gzip
import json

from tests.landing.test_bad_input import _request, _span


def request(first: int, count: int) -> dict:
    """Spans first..first+count (ids unique per number)."""
    return _request(*[_span(i * 2) for i in range(first, first + count)])


def json_object(first: int, count: int) -> bytes:
    return json.dumps(request(first, count)).encode()


def json_lines(first: int, count: int, per_line: int = 10) -> bytes:
    return b"".join(
        json.dumps(request(start, min(per_line, first + count - start))).encode() + b"\n"
        for start in range(first, first + count, per_line)
    )


def gzip_object(first: int, count: int) -> bytes:
    return gzip.compress(json_object(first, count))


def proto_object(first: int, count: int) -> bytes:
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    message = request(first, count)
    for span in message["resourceSpans"][0]["scopeSpans"][0]["spans"]:  # protobuf JSON has base64 ids
        for name in ("traceId", "spanId"):
            span[name] = base64.b64encode(bytes.fromhex(span[name])).decode()
    return json_format.ParseDict(message, ExportTraceServiceRequest()).SerializeToString()


def s3_key(prefix: str, minute: int, name: str) -> str:
    """awss3exporter's default layout (s3_partition_format year=%Y/month=%m/day=%d/hour=%H/minute=%M)."""
    hour, minute = divmod(minute, 60)
    day, hour = divmod(hour, 24)
    return f"{prefix}year=2026/month=03/day={day + 1:02d}/hour={hour:02d}/minute={minute:02d}/{name}"
