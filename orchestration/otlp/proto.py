"""Protobuf export requests → the same plain-dict shape the JSON path produces.

`MessageToDict` yields protobuf's canonical JSON mapping (base64 ids, enum names, int64 as strings),
which the lenient JSON decoder already understands, so both paths share one normalizer.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


class ProtoDecodeError(ValueError):
    pass


def _plausible_traces(msg: ExportTraceServiceRequest) -> bool:
    spans = [s for rs in msg.resource_spans for ss in rs.scope_spans for s in ss.spans]
    return bool(spans) and all(
        len(s.trace_id) in (0, 16) and len(s.span_id) in (0, 8) and s.start_time_unix_nano for s in spans
    )


def _plausible_metrics(msg: ExportMetricsServiceRequest) -> bool:
    metrics = [m for rm in msg.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    return bool(metrics) and all(m.name and m.WhichOneof("data") for m in metrics)


def _plausible_logs(msg: ExportLogsServiceRequest) -> bool:
    records = [r for rl in msg.resource_logs for sl in rl.scope_logs for r in sl.log_records]
    return bool(records) and all(
        len(r.trace_id) in (0, 16) and (r.time_unix_nano or r.observed_time_unix_nano) for r in records
    )


# Tried in this order: the three messages share their outer shape, their leaves tell them apart.
_CANDIDATES = (
    ("traces", ExportTraceServiceRequest, _plausible_traces),
    ("metrics", ExportMetricsServiceRequest, _plausible_metrics),
    ("logs", ExportLogsServiceRequest, _plausible_logs),
)


def parse_request(payload: bytes) -> tuple[str, Message]:
    """(signal, the parsed export request) of a protobuf body; raises ProtoDecodeError."""
    if not payload:
        raise ProtoDecodeError("empty protobuf message")
    for signal, cls, plausible in _CANDIDATES:
        msg = cls()
        try:
            msg.ParseFromString(payload)
        except (DecodeError, ValueError, RuntimeError):
            continue
        if plausible(msg):
            return signal, msg
    raise ProtoDecodeError("not a decodable OTLP trace, metrics or logs export request (protobuf)")


def request_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message)
