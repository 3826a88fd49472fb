"""OTLP/JSON building blocks (spec JSON mapping: lowerCamelCase, hex ids, 64-bit ints as strings).

Everything is built once as plain dicts in this shape; JSON formats dump them with orjson and proto
formats convert them with ``json_format.ParseDict`` (after swapping hex ids for base64).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

# Enum values (the JSON mapping writes enums as integers).
SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER = 1, 2, 3, 5
STATUS_ERROR = 2
TEMPORALITY_DELTA, TEMPORALITY_CUMULATIVE = 1, 2
SEVERITY = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17}

Attrs = dict[str, Any]


def any_value(value: Any) -> dict[str, Any]:
    kind = type(value)
    if kind is str:
        return {"stringValue": value}
    if kind is bool:  # before int: bool is an int subclass
        return {"boolValue": value}
    if kind is int:
        return {"intValue": str(value)}
    if kind is float:
        return {"doubleValue": value}
    if kind is list or kind is tuple:
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if kind is dict:
        return {"kvlistValue": {"values": kv(value)}}
    if kind is bytes:
        return {"bytesValue": base64.b64encode(value).decode()}
    raise TypeError(f"unsupported attribute value {value!r}")


def kv(attrs: Attrs) -> list[dict[str, Any]]:
    """Attribute map -> KeyValue list; None values are simply not emitted.

    The hottest function of the generator: scalar types are inlined rather than dispatched.
    """
    out: list[dict[str, Any]] = []
    append = out.append
    for k, v in attrs.items():
        kind = type(v)
        if kind is str:
            append({"key": k, "value": {"stringValue": v}})
        elif kind is int:
            append({"key": k, "value": {"intValue": str(v)}})
        elif kind is float:
            append({"key": k, "value": {"doubleValue": v}})
        elif kind is bool:
            append({"key": k, "value": {"boolValue": v}})
        elif v is not None:
            append({"key": k, "value": any_value(v)})
    return out


def resource(attrs: Attrs) -> dict[str, Any]:
    return {"attributes": kv(attrs)}


def scope(name: str, version: str) -> dict[str, Any]:
    return {"name": name, "version": version}


def span_event(name: str, time_ns: int, attrs: Attrs) -> dict[str, Any]:
    return {"timeUnixNano": str(time_ns), "name": name, "attributes": kv(attrs)}


def span_link(trace_id: str, span_id: str, attrs: Attrs) -> dict[str, Any]:
    return {"traceId": trace_id, "spanId": span_id, "attributes": kv(attrs)}


def log_record(
    time_ns: int,
    severity: str,
    body: Any,
    attrs: Attrs,
    trace_id: str | None = None,
    span_id: str | None = None,
    event_name: str | None = None,
    observed_delay_ns: int = 2_000_000,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "timeUnixNano": str(time_ns),
        "observedTimeUnixNano": str(time_ns + observed_delay_ns),
        "severityNumber": SEVERITY[severity],
        "severityText": severity,
        "body": any_value(body),
        "attributes": kv(attrs),
    }
    if event_name:
        record["eventName"] = event_name
    if trace_id:
        record["traceId"] = trace_id
        record["spanId"] = span_id or ""
        record["flags"] = 1  # sampled
    return record


def group(
    items: Iterable[tuple[str, str, dict[str, Any]]],
    resources: dict[str, dict[str, Any]],
    scopes: dict[str, dict[str, Any]],
    signal: str,
) -> dict[str, Any]:
    """(resource key, scope key, item) triples -> one Export*ServiceRequest, grouped like an SDK does."""
    outer, inner, leaf = {
        "traces": ("resourceSpans", "scopeSpans", "spans"),
        "logs": ("resourceLogs", "scopeLogs", "logRecords"),
        "metrics": ("resourceMetrics", "scopeMetrics", "metrics"),
    }[signal]
    by_resource: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for res_key, scope_key, item in items:
        by_resource.setdefault(res_key, {}).setdefault(scope_key, []).append(item)
    return {
        outer: [
            {
                "resource": resources[res_key],
                inner: [{"scope": scopes[sk], leaf: leaves} for sk, leaves in by_scope.items()],
                "schemaUrl": "https://opentelemetry.io/schemas/1.37.0",
            }
            for res_key, by_scope in by_resource.items()
        ]
    }


# --- proto conversion: ParseDict wants base64 for bytes fields --------------------------------------


def _b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode() if hex_id else ""


def _swap_ids(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    # Shallow copy: only the id fields change, nested attribute lists are shared, not copied.
    out = dict(item)
    for key in keys:
        if key in out:
            out[key] = _b64(out[key])
    return out


def _swap_exemplars(point: dict[str, Any]) -> dict[str, Any]:
    if "exemplars" not in point:
        return point
    out = dict(point)
    out["exemplars"] = [_swap_ids(e, ("traceId", "spanId")) for e in point["exemplars"]]
    return out


def for_proto(message: dict[str, Any], signal: str) -> dict[str, Any]:
    """Copy of the envelope with hex ids as base64, sharing everything else."""
    if signal == "traces":
        span_keys = ("traceId", "spanId", "parentSpanId")
        return {
            "resourceSpans": [
                {
                    **rs,
                    "scopeSpans": [
                        {
                            **ss,
                            "spans": [
                                {
                                    **_swap_ids(s, span_keys),
                                    **(
                                        {"links": [_swap_ids(lk, ("traceId", "spanId")) for lk in s["links"]]}
                                        if "links" in s
                                        else {}
                                    ),
                                }
                                for s in ss["spans"]
                            ],
                        }
                        for ss in rs["scopeSpans"]
                    ],
                }
                for rs in message["resourceSpans"]
            ]
        }
    if signal == "logs":
        return {
            "resourceLogs": [
                {
                    **rl,
                    "scopeLogs": [
                        {**sl, "logRecords": [_swap_ids(r, ("traceId", "spanId")) for r in sl["logRecords"]]}
                        for sl in rl["scopeLogs"]
                    ],
                }
                for rl in message["resourceLogs"]
            ]
        }
    out_rms = []
    for rm in message["resourceMetrics"]:
        scopes_out = []
        for sm in rm["scopeMetrics"]:
            metrics_out = []
            for metric in sm["metrics"]:
                m = dict(metric)
                for kind in ("histogram", "exponentialHistogram", "sum", "gauge"):
                    if kind in m:
                        m[kind] = {
                            **m[kind],
                            "dataPoints": [_swap_exemplars(p) for p in m[kind]["dataPoints"]],
                        }
                metrics_out.append(m)
            scopes_out.append({**sm, "metrics": metrics_out})
        out_rms.append({**rm, "scopeMetrics": scopes_out})
    return {"resourceMetrics": out_rms}
