"""OTLP export requests (plain dicts in the OTLP/JSON mapping) → lake rows, one table at a time.

A record that cannot be decoded is quarantined with the field and reason; its siblings still land.
Every row carries its resource and scope. Records: spans, log records and metric data points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from orchestration.lake import semantics
from orchestration.lake.privacy import AttributeFilter
from orchestration.otlp.values import (
    SPAN_KINDS,
    STATUS_CODES,
    TEMPORALITIES,
    FieldError,
    decode_any_value,
    decode_attributes,
    decode_double,
    decode_enum,
    decode_id,
    decode_int,
    decode_severity,
    decode_str,
    get,
)

NS_PER_DAY = 86_400 * 1_000_000_000
# Plausible event times: anything outside is a clock or encoding error, not telemetry.
MIN_EVENT_NS = 946_684_800 * 1_000_000_000  # 2000-01-01
MAX_EVENT_NS = 4_102_444_800 * 1_000_000_000  # 2100-01-01
TENANT_FILL_COLUMNS = ("tenant_id", "feature", "team", "user_hash", "session_hash")
SUBJECT_COLUMNS = ("tenant_id", "user_hash", "session_hash")
SIGNAL_KEYS = {
    "traces": ("resourceSpans", "resource_spans"),
    "logs": ("resourceLogs", "resource_logs"),
    "metrics": ("resourceMetrics", "resource_metrics"),
}
# signal → the OTLP/JSON keys of its resource list, scope list and record list (camelCase, snake_case)
_SHAPES = {
    "traces": ("resourceSpans", "resource_spans", "scopeSpans", "scope_spans", "spans", "spans"),
    "logs": ("resourceLogs", "resource_logs", "scopeLogs", "scope_logs", "logRecords", "log_records"),
    "metrics": ("resourceMetrics", "resource_metrics", "scopeMetrics", "scope_metrics", "metrics", "metrics"),
}
CLAUDE_CODE_EVENTS = frozenset({"user_prompt", "api_request", "api_error", "tool_result", "tool_decision"})
CLAUDE_CODE_SERVICE = "claude-code"  # its resource's service.name
CLAUDE_CODE_PREFIX = "claude_code."  # of its event names
# Content events whose body is the model's answer (output_chars); the other content events are input.
OUTPUT_CONTENT_EVENTS = frozenset({"gen_ai.choice", "gen_ai.assistant.message"})


def detect_signal(request: Any) -> str | None:
    if not isinstance(request, dict):
        return None
    for signal, keys in SIGNAL_KEYS.items():
        if keys[0] in request or keys[1] in request:
            return signal
    return None


_METRIC_DATA = ("gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary")


def _list_of(obj: Any, camel: str, snake: str) -> list[Any]:
    value = get(obj, camel, snake) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _points_of(metric: Any) -> int:
    """Data points of a metric, read leniently (for counting what a quarantine entry holds)."""
    for key in _METRIC_DATA:
        data = metric.get(key) if isinstance(metric, dict) else None
        if isinstance(data, dict):
            return len(_list_of(data, "dataPoints", "data_points"))
    return 0


def records_in_scope(scope: Any, signal: str) -> int:
    """Spans, log records or metric data points in one scope, read leniently."""
    items = _list_of(scope, _SHAPES[signal][4], _SHAPES[signal][5])
    return sum(_points_of(m) for m in items) if signal == "metrics" else len(items)


def records_in_resource(resource: Any, signal: str) -> int:
    scopes = _list_of(resource, _SHAPES[signal][2], _SHAPES[signal][3])
    if not scopes and signal == "traces":
        scopes = _list_of(resource, "instrumentationLibrarySpans", "instrumentation_library_spans")
    return sum(records_in_scope(scope, signal) for scope in scopes)


def count_records(request: Any, signal: str) -> int:
    """The records of an export request, read leniently: what quarantining the whole request sets aside."""
    resources = _list_of(request, _SHAPES[signal][0], _SHAPES[signal][1])
    return sum(records_in_resource(resource, signal) for resource in resources)


def _json(value: dict[str, Any] | None) -> str | None:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() if value else None


@dataclass
class Quarantined:
    location: str
    field: str
    reason: str
    records: int
    raw: bytes | str | None = None


@dataclass
class Batch:
    """Rows produced from a run of units, grouped by lake table, plus what was set aside."""

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            t: [] for t in ("spans", "span_events", "span_links", "logs", "metric_points")
        }
    )
    content: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    records_in: int = 0
    # (table, input file id, Arrow table with a `_day` column) from the native decoder (native/decoder.py)
    arrow: list[tuple[str, str, Any]] = field(default_factory=list)

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def arrow_rows(self) -> int:
        return sum(t.num_rows for _, _, t in self.arrow)


def _lists(obj: dict[str, Any], camel: str, snake: str, where: str) -> list[Any]:
    value = get(obj, camel, snake)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError(where + camel, f"expected a list, got {type(value).__name__}")
    return value


def _check_time(ns: int | None, field_name: str) -> int:
    if ns is None or not MIN_EVENT_NS <= ns < MAX_EVENT_NS:
        raise FieldError(field_name, f"timestamp {ns} is outside 2000-01-01..2100-01-01")
    return ns


class Normalizer:
    """Turns export requests into rows; one per landing task (its caches are per process)."""

    def __init__(
        self,
        attribute_filter: AttributeFilter,
        file_id: str,
        content_ttl_days: int,
        columns: dict[str, list[str]] | None = None,
    ):
        self.filter = attribute_filter
        self.file_id = file_id
        self.content_ttl_ns = content_ttl_days * NS_PER_DAY
        # Content expires TTL after it landed, or after its event if that is earlier (a backfill): a
        # client clock set years ahead must not keep people's text for years.
        self.landed_ns = time.time_ns()
        # Rows start as every column of their table set to None, in schema order: Arrow converts
        # complete rows about 1.6x faster than rows with keys missing.
        columns = columns or {}
        self._empty = {table: dict.fromkeys(columns.get(table, ())) for table in Batch().rows}

    # --- shared pieces ------------------------------------------------------------------------
    def _resource(self, container: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
        resource = container.get("resource") or {}
        if not isinstance(resource, dict):
            raise FieldError(where + "resource", "expected an object")
        attrs = decode_attributes(resource.get("attributes"), where + "resource.attributes")
        redacted = self.filter.apply(attrs)
        cols = {
            "service_name": semantics.first_str(attrs, ("service.name",)),
            "service_version": semantics.first_str(attrs, ("service.version",)),
            "service_namespace": semantics.first_str(attrs, ("service.namespace",)),
            "deployment_environment": semantics.first_str(
                attrs, ("deployment.environment.name", "deployment.environment")
            ),
            "resource_attributes": _json(redacted.attributes),
            "resource_schema_url": decode_str(get(container, "schemaUrl", "schema_url"), "schemaUrl"),
            "tenant_id": semantics.first_str(attrs, semantics.TENANT_KEYS),
            "user_hash": redacted.user_hash,
            "session_hash": redacted.session_hash,
        }
        return cols, semantics.resource_fallbacks(attrs)

    def _scope(self, scope_container: dict[str, Any], where: str) -> dict[str, Any]:
        scope = scope_container.get("scope") or {}
        if not isinstance(scope, dict):
            raise FieldError(where + "scope", "expected an object")
        attrs = decode_attributes(scope.get("attributes"), where + "scope.attributes")
        return {
            "scope_name": decode_str(scope.get("name"), where + "scope.name"),
            "scope_version": decode_str(scope.get("version"), where + "scope.version"),
            "scope_attributes": _json(self.filter.apply(attrs).attributes),
        }

    def _keep_content(self, batch: Batch, redacted, table: str, trace_id, span_id, time_ns, subject) -> None:
        for key, text in redacted.content:
            batch.content.append(
                {
                    "source_table": table,
                    "trace_id": trace_id,
                    "span_id": span_id,
                    "attribute_key": key,
                    "content": text,
                    "content_chars": len(text),
                    "event_at": time_ns // 1000,
                    "expires_at": (min(time_ns, self.landed_ns) + self.content_ttl_ns) // 1000,
                    **subject,
                    "source_file_id": self.file_id,
                    "_day": time_ns // NS_PER_DAY,
                }
            )

    # --- traces -------------------------------------------------------------------------------
    def _scopes(self, request: dict[str, Any], signal: str, location: str, batch: Batch):
        """Yield (resource and scope columns, resource defaults, items, where) per scope. A resource
        or scope that cannot be read is quarantined as one record; its siblings go on."""
        r_camel, r_snake, s_camel, s_snake, i_camel, i_snake = _SHAPES[signal]
        for r, resource in enumerate(_lists(request, r_camel, r_snake, "")):
            where = f"{r_camel}[{r}]."
            try:
                if not isinstance(resource, dict):
                    raise FieldError(where.rstrip("."), "expected an object")
                resource_cols, resource_defaults = self._resource(resource, where)
                scope_list = _lists(resource, s_camel, s_snake, where)
                if not scope_list and signal == "traces":  # OTLP before 0.15 called scopes "libraries"
                    scope_list = _lists(
                        resource, "instrumentationLibrarySpans", "instrumentation_library_spans", where
                    )
            except FieldError as err:  # the records under it are set aside with it
                records = records_in_resource(resource, signal)
                batch.records_in += records
                batch.quarantined.append(
                    Quarantined(location, err.field, err.reason, records, _dump(resource))
                )
                continue
            for s, scope in enumerate(scope_list):
                swhere = f"{where}{s_camel}[{s}]."
                try:
                    if not isinstance(scope, dict):
                        raise FieldError(swhere.rstrip("."), "expected an object")
                    scope_cols = self._scope(scope, swhere)
                    items = _lists(scope, i_camel, i_snake, swhere)
                except FieldError as err:
                    records = records_in_scope(scope, signal)
                    batch.records_in += records
                    batch.quarantined.append(
                        Quarantined(location, err.field, err.reason, records, _dump(scope))
                    )
                    continue
                yield {**resource_cols, **scope_cols}, resource_defaults, items, swhere + i_camel

    @staticmethod
    def _each_record(items: list[Any], where: str, location: str, batch: Batch, handle) -> None:
        for i, item in enumerate(items):
            batch.records_in += 1
            try:
                handle(item)
            except FieldError as err:
                batch.quarantined.append(
                    Quarantined(f"{location}: {where}[{i}]", err.field, err.reason, 1, _dump(item))
                )

    # --- traces -------------------------------------------------------------------------------
    def traces(self, request: dict[str, Any], location: str, batch: Batch) -> None:
        first = {table: len(batch.rows[table]) for table in ("spans", "span_events", "span_links")}
        for base, defaults, spans, where in self._scopes(request, "traces", location, batch):
            self._each_record(
                spans,
                where,
                location,
                batch,
                partial(self._span, location=location, base=base, resource_defaults=defaults, batch=batch),
            )
        context = fill_down_from_trace_roots(batch.rows["spans"], first["spans"])
        for table in ("span_events", "span_links"):
            for row in batch.rows[table][first[table] :]:
                known = context.get(row["trace_id"])
                if known:
                    for column in SUBJECT_COLUMNS:
                        if row[column] is None:
                            row[column] = known[column]

    def _span(self, span: Any, location: str, base, resource_defaults, batch: Batch) -> None:
        if not isinstance(span, dict):
            raise FieldError("span", "span is not an object")
        trace_id = decode_id(get(span, "traceId", "trace_id"), 16, "traceId", required=True)
        span_id = decode_id(get(span, "spanId", "span_id"), 8, "spanId", required=True)
        parent = decode_id(get(span, "parentSpanId", "parent_span_id"), 8, "parentSpanId", required=False)
        kind = decode_enum(span.get("kind"), SPAN_KINDS, "SPAN_KIND_", "kind")
        start = _check_time(
            decode_int(get(span, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano"),
            "startTimeUnixNano",
        )
        end = decode_int(get(span, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano")
        if end is not None and end != 0:
            _check_time(end, "endTimeUnixNano")
        status = span.get("status") or {}
        if not isinstance(status, dict):
            raise FieldError("status", "expected an object")
        status_code = decode_enum(status.get("code"), STATUS_CODES, "STATUS_CODE_", "status.code")
        redacted = self.filter.read(span.get("attributes"), "attributes")
        attrs = redacted.attributes
        events = _lists(span, "events", "events", "")
        links = _lists(span, "links", "links", "")
        llm = semantics.llm_columns(redacted.llm_best, redacted.llm_flags, attrs, resource_defaults)
        tenant = semantics.first_str(attrs, semantics.TENANT_KEYS) or base["tenant_id"]
        user_hash = redacted.user_hash or base["user_hash"]
        session_hash = redacted.session_hash or base["session_hash"]
        subject = {"tenant_id": tenant, "user_hash": user_hash, "session_hash": session_hash}
        day = start // NS_PER_DAY
        # Children first: a bad event quarantines the whole span, so nothing half-lands.
        event_rows = [
            self._span_event(ev, j, trace_id, span_id, start, subject, base, location, batch, day)
            for j, ev in enumerate(events)
        ]
        link_rows = [
            self._span_link(ln, j, trace_id, span_id, subject, base, location, day)
            for j, ln in enumerate(links)
        ]
        valid_end = end if end and end >= start else None
        row = {
            **self._empty["spans"],
            **base,
            **llm,
            **subject,
            "trace_id": trace_id,
            "span_id": span_id,
            "parent_span_id": parent,
            "trace_state": decode_str(get(span, "traceState", "trace_state"), "traceState"),
            "span_name": decode_str(span.get("name"), "name"),
            "span_kind": kind,
            "start_time_unix_nano": start,
            "end_time_unix_nano": end or None,
            "start_at": start // 1000,
            "end_at": valid_end // 1000 if valid_end else None,
            "duration_ms": (valid_end - start) / 1e6 if valid_end else None,
            "status_code": status_code,
            "status_message": decode_str(status.get("message"), "status.message"),
            "span_flags": decode_int(span.get("flags"), "flags"),
            "dropped_attributes_count": decode_int(
                get(span, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount", 0
            ),
            "dropped_events_count": decode_int(
                get(span, "droppedEventsCount", "dropped_events_count"), "droppedEventsCount", 0
            ),
            "dropped_links_count": decode_int(
                get(span, "droppedLinksCount", "dropped_links_count"), "droppedLinksCount", 0
            ),
            "attributes": _json(redacted.attributes),
            "attributes_truncated": redacted.truncated,
            "input_chars": redacted.input_chars,
            "output_chars": redacted.output_chars,
            "content_hmac": redacted.content_hmac,
            "source_file_id": self.file_id,
            "source_offset": location,
            "_day": day,
        }
        for ev_row in event_rows:
            # Content events (gen_ai.content.prompt/completion) count toward the span's text lengths.
            chars = ev_row.pop("_content_chars", None)
            if chars:
                side = (
                    "output_chars"
                    if ev_row["event_name"] and "completion" in ev_row["event_name"]
                    else "input_chars"
                )
                row[side] = (row[side] or 0) + chars
        batch.rows["spans"].append(row)
        batch.rows["span_events"].extend(event_rows)
        batch.rows["span_links"].extend(link_rows)
        self._keep_content(batch, redacted, "spans", trace_id, span_id, start, subject)

    def _span_event(
        self, ev, j, trace_id, span_id, span_start, subject, base, location, batch, day
    ) -> dict[str, Any]:
        if not isinstance(ev, dict):
            raise FieldError(f"events[{j}]", "expected an object")
        redacted = self.filter.read(ev.get("attributes"), f"events[{j}].attributes")
        ts = decode_int(get(ev, "timeUnixNano", "time_unix_nano"), f"events[{j}].timeUnixNano") or span_start
        _check_time(ts, f"events[{j}].timeUnixNano")
        chars = (redacted.input_chars or 0) + (redacted.output_chars or 0)
        self._keep_content(batch, redacted, "span_events", trace_id, span_id, ts, subject)
        return {
            **self._empty["span_events"],
            **base,
            **subject,
            "trace_id": trace_id,
            "span_id": span_id,
            "event_index": j,
            "event_name": decode_str(ev.get("name"), f"events[{j}].name"),
            "time_unix_nano": ts,
            "event_at": ts // 1000,
            "dropped_attributes_count": decode_int(
                get(ev, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount", 0
            ),
            "attributes": _json(redacted.attributes),
            "attributes_truncated": redacted.truncated,
            "source_file_id": self.file_id,
            "source_offset": location,
            "_day": day,
            "_content_chars": chars,
        }

    def _span_link(self, ln, j, trace_id, span_id, subject, base, location, day):
        if not isinstance(ln, dict):
            raise FieldError(f"links[{j}]", "expected an object")
        redacted = self.filter.read(ln.get("attributes"), f"links[{j}].attributes")
        return {
            **self._empty["span_links"],
            **base,
            **subject,
            "trace_id": trace_id,
            "span_id": span_id,
            "link_index": j,
            "linked_trace_id": decode_id(get(ln, "traceId", "trace_id"), 16, f"links[{j}].traceId", False),
            "linked_span_id": decode_id(get(ln, "spanId", "span_id"), 8, f"links[{j}].spanId", False),
            "linked_trace_state": decode_str(get(ln, "traceState", "trace_state"), f"links[{j}].traceState"),
            "link_flags": decode_int(ln.get("flags"), f"links[{j}].flags"),
            "dropped_attributes_count": decode_int(
                get(ln, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount", 0
            ),
            "attributes": _json(redacted.attributes),
            "attributes_truncated": redacted.truncated,
            "source_file_id": self.file_id,
            "source_offset": location,
            "_day": day,
        }

    # --- logs ---------------------------------------------------------------------------------
    def logs(self, request: dict[str, Any], location: str, batch: Batch) -> None:
        for base, defaults, records, where in self._scopes(request, "logs", location, batch):
            self._each_record(
                records,
                where,
                location,
                batch,
                partial(self._log, location=location, base=base, resource_defaults=defaults, batch=batch),
            )

    def _log(self, record: Any, location, base, resource_defaults, batch: Batch) -> None:
        if not isinstance(record, dict):
            raise FieldError("logRecord", "expected an object")
        time_ns = decode_int(get(record, "timeUnixNano", "time_unix_nano"), "timeUnixNano") or None
        observed = (
            decode_int(get(record, "observedTimeUnixNano", "observed_time_unix_nano"), "observedTimeUnixNano")
            or None
        )
        at = _check_time(time_ns or observed, "timeUnixNano" if time_ns else "observedTimeUnixNano")
        trace_id = decode_id(get(record, "traceId", "trace_id"), 16, "traceId", required=False)
        span_id = decode_id(get(record, "spanId", "span_id"), 8, "spanId", required=False)
        # One pass over the attributes (decode, privacy filter, LLM column candidates), as for spans.
        redacted = self.filter.read(record.get("attributes"), "attributes")
        attrs = redacted.attributes
        body = decode_any_value(record.get("body"), "body")
        event_name = _event_name(record, attrs, body, base["service_name"])
        body_text: str | None
        if event_name in semantics.CONTENT_EVENT_NAMES and body is not None:
            _, chars, digest = self.filter.redact_body(body)
            side = "output_chars" if event_name in OUTPUT_CONTENT_EVENTS else "input_chars"
            setattr(redacted, side, (getattr(redacted, side) or 0) + chars)
            redacted.content_hmac = redacted.content_hmac or digest
            if self.filter.keep_content:
                redacted.content.append(
                    ("body", body if isinstance(body, str) else orjson.dumps(body).decode())
                )
            body_text = None
        elif body is None or isinstance(body, str):
            body_text = body
            if body_text is not None and len(body_text) > self.filter.max_value_chars:
                body_text = body_text[: self.filter.max_value_chars] + "…[spanledger: truncated]"
                redacted.truncated = True
        else:
            body_text = orjson.dumps(body).decode()
        llm = semantics.llm_columns(
            redacted.llm_best, redacted.llm_flags, attrs, resource_defaults, event_name
        )
        tenant = semantics.first_str(attrs, semantics.TENANT_KEYS) or base["tenant_id"]
        subject = {
            "tenant_id": tenant,
            "user_hash": redacted.user_hash or base["user_hash"],
            "session_hash": redacted.session_hash or base["session_hash"],
        }
        sev_text = decode_str(get(record, "severityText", "severity_text"), "severityText")
        batch.rows["logs"].append(
            {
                **self._empty["logs"],
                **base,
                **llm,
                **subject,
                "time_unix_nano": time_ns,
                "observed_time_unix_nano": observed,
                "log_at": at // 1000,
                "severity_number": decode_severity(get(record, "severityNumber", "severity_number")),
                "severity_text": sev_text or None,
                "event_name": event_name,
                "body": body_text,
                "trace_id": trace_id,
                "span_id": span_id,
                "log_flags": decode_int(record.get("flags"), "flags"),
                "dropped_attributes_count": decode_int(
                    get(record, "droppedAttributesCount", "dropped_attributes_count"),
                    "droppedAttributesCount",
                    0,
                ),
                "attributes": _json(redacted.attributes),
                "attributes_truncated": redacted.truncated,
                "input_chars": redacted.input_chars,
                "output_chars": redacted.output_chars,
                "content_hmac": redacted.content_hmac,
                "source_file_id": self.file_id,
                "source_offset": location,
                "_day": at // NS_PER_DAY,
            }
        )
        self._keep_content(batch, redacted, "logs", trace_id, span_id, at, subject)

    # --- metrics ------------------------------------------------------------------------------
    def metrics(self, request: dict[str, Any], location: str, batch: Batch) -> None:
        for base, _, metrics, where in self._scopes(request, "metrics", location, batch):
            for m, metric in enumerate(metrics):
                self._metric(metric, f"{location}: {where}[{m}]", location, base, batch)

    def _metric(self, metric: Any, where: str, location: str, base, batch: Batch) -> None:
        try:
            if not isinstance(metric, dict):
                raise FieldError("metric", "expected an object")
            name = metric.get("name")
            if not isinstance(name, str) or not name:
                raise FieldError("name", "metric without a name")
            kind, data = _metric_data(metric)
            description = decode_str(metric.get("description"), "description")
            unit = decode_str(metric.get("unit"), "unit")
        except FieldError as err:  # its data points are set aside with it
            records = _points_of(metric)
            batch.records_in += records
            batch.quarantined.append(Quarantined(where, err.field, err.reason, records, _dump(metric)))
            return
        base = {
            **base,
            "metric_name": name,
            "metric_description": description,
            "metric_unit": unit,
            "metric_type": kind,
            "source_file_id": self.file_id,
            "source_offset": location,
        }
        try:
            temporality = decode_enum(
                get(data, "aggregationTemporality", "aggregation_temporality"),
                TEMPORALITIES,
                "AGGREGATION_TEMPORALITY_",
                "aggregationTemporality",
            )
            points = _lists(data, "dataPoints", "data_points", "")
        except FieldError as err:  # its data points are set aside with it
            records = _points_of(metric)
            batch.records_in += records
            batch.quarantined.append(Quarantined(where, err.field, err.reason, records, _dump(metric)))
            return
        monotonic = get(data, "isMonotonic", "is_monotonic") if kind == "sum" else None
        for p, point in enumerate(points):
            batch.records_in += 1
            try:
                row = self._point(point, kind, base)
            except FieldError as err:
                batch.quarantined.append(
                    Quarantined(f"{where}.dataPoints[{p}]", err.field, err.reason, 1, _dump(point))
                )
                continue
            row["aggregation_temporality"] = (
                temporality if kind in ("sum", "histogram", "exponential_histogram") else None
            )
            row["is_monotonic"] = bool(monotonic) if kind == "sum" else None
            batch.rows["metric_points"].append(row)

    def _point(self, point: Any, kind: str, base: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(point, dict):
            raise FieldError("dataPoint", "expected an object")
        ts = _check_time(
            decode_int(get(point, "timeUnixNano", "time_unix_nano"), "timeUnixNano"), "timeUnixNano"
        )
        start = (
            decode_int(get(point, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano") or None
        )
        attrs = decode_attributes(point.get("attributes"), "attributes")
        model = semantics.first_str(attrs, semantics.MODEL_METRIC_KEYS)
        token_type = semantics.first_str(attrs, semantics.TOKEN_TYPE_KEYS)
        tenant = semantics.first_str(attrs, semantics.TENANT_KEYS) or base["tenant_id"]
        redacted = self.filter.apply(attrs)
        row: dict[str, Any] = {
            **self._empty["metric_points"],
            **base,
            "start_time_unix_nano": start,
            "time_unix_nano": ts,
            "point_at": ts // 1000,
            "point_flags": decode_int(point.get("flags"), "flags"),
            "attributes": _json(redacted.attributes),
            "attributes_truncated": redacted.truncated,
            "tenant_id": tenant,
            "user_hash": redacted.user_hash or base["user_hash"],
            "session_hash": redacted.session_hash or base["session_hash"],
            "model": model,
            "token_type": token_type,
            "_day": ts // NS_PER_DAY,
            "exemplars": self._exemplars(point.get("exemplars")),
        }
        if kind in ("sum", "gauge"):
            if get(point, "asInt", "as_int") is not None:
                row["value_int"] = decode_int(get(point, "asInt", "as_int"), "asInt")
                row["value_double"] = float(row["value_int"])
            else:
                row["value_double"] = decode_double(get(point, "asDouble", "as_double"), "asDouble")
        elif kind == "histogram":
            row.update(self._counts(point))
            row["bucket_counts"] = [
                decode_int(c, "bucketCounts") for c in (get(point, "bucketCounts", "bucket_counts") or [])
            ]
            row["explicit_bounds"] = [
                decode_double(b, "explicitBounds")
                for b in (get(point, "explicitBounds", "explicit_bounds") or [])
            ]
            if row["bucket_counts"] and len(row["bucket_counts"]) != len(row["explicit_bounds"]) + 1:
                raise FieldError("bucketCounts", "needs exactly one more entry than explicitBounds")
        elif kind == "exponential_histogram":
            row.update(self._counts(point))
            row["exp_scale"] = decode_int(point.get("scale"), "scale", 0)
            row["exp_zero_count"] = decode_int(get(point, "zeroCount", "zero_count"), "zeroCount", 0)
            row["exp_zero_threshold"] = decode_double(
                get(point, "zeroThreshold", "zero_threshold"), "zeroThreshold"
            )
            for side in ("positive", "negative"):
                buckets = point.get(side) or {}
                row[f"exp_{side}_offset"] = decode_int(buckets.get("offset"), f"{side}.offset", 0)
                row[f"exp_{side}_bucket_counts"] = [
                    decode_int(c, f"{side}.bucketCounts")
                    for c in (get(buckets, "bucketCounts", "bucket_counts") or [])
                ]
        elif kind == "summary":
            row["count"] = decode_int(point.get("count"), "count", 0)
            row["sum"] = decode_double(point.get("sum"), "sum")
            row["quantile_values"] = [
                # proto3 JSON omits zero values: a missing quantile or value is 0.0
                {
                    "quantile": decode_double(q.get("quantile"), "quantileValues.quantile") or 0.0,
                    "value": decode_double(q.get("value"), "quantileValues.value") or 0.0,
                }
                for q in (get(point, "quantileValues", "quantile_values") or [])
            ]
        return row

    @staticmethod
    def _counts(point: dict[str, Any]) -> dict[str, Any]:
        return {
            "count": decode_int(point.get("count"), "count", 0),
            "sum": decode_double(point.get("sum"), "sum"),
            "min": decode_double(point.get("min"), "min"),
            "max": decode_double(point.get("max"), "max"),
        }

    def _exemplars(self, exemplars: Any) -> str | None:
        if not exemplars:
            return None
        out = []
        for e in exemplars if isinstance(exemplars, list) else []:
            attrs = decode_attributes(
                get(e, "filteredAttributes", "filtered_attributes"), "exemplars.attributes"
            )
            value = get(e, "asDouble", "as_double")
            out.append(
                {
                    "time_unix_nano": decode_int(
                        get(e, "timeUnixNano", "time_unix_nano"), "exemplars.timeUnixNano"
                    ),
                    "value": decode_double(value, "exemplars.asDouble")
                    if value is not None
                    else decode_int(get(e, "asInt", "as_int"), "exemplars.asInt"),
                    "trace_id": decode_id(get(e, "traceId", "trace_id"), 16, "exemplars.traceId", False),
                    "span_id": decode_id(get(e, "spanId", "span_id"), 8, "exemplars.spanId", False),
                    "attributes": self.filter.apply(attrs).attributes,
                }
            )
        return orjson.dumps(out).decode()


_METRIC_KINDS = (
    ("sum", "sum", "sum"),
    ("gauge", "gauge", "gauge"),
    ("histogram", "histogram", "histogram"),
    ("exponential_histogram", "exponentialHistogram", "exponential_histogram"),
    ("summary", "summary", "summary"),
)


def _metric_data(metric: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for kind, camel, snake in _METRIC_KINDS:
        data = get(metric, camel, snake)
        if data is not None:
            if not isinstance(data, dict):
                raise FieldError(camel, "expected an object")
            return kind, data
    raise FieldError("data", "metric has none of sum, gauge, histogram, exponentialHistogram, summary")


def _event_name(record: dict[str, Any], attrs: dict[str, Any], body: Any, service: str | None) -> str | None:
    name = get(record, "eventName", "event_name") or attrs.get("event.name")
    if name is not None and not isinstance(name, str):
        raise FieldError("eventName", f"expected a string, got {type(name).__name__}")
    claude_body = isinstance(body, str) and body.startswith(CLAUDE_CODE_PREFIX)
    if not name:
        name = body if claude_body and " " not in body else None
    if name in CLAUDE_CODE_EVENTS and (service == CLAUDE_CODE_SERVICE or claude_body):
        name = CLAUDE_CODE_PREFIX + name
    return name


def fill_down_from_trace_roots(rows: list[dict[str, Any]], start: int) -> dict[str, dict[str, Any]]:
    """Tenant, feature, team and user set on a trace's root apply to the spans below that lack them.

    Within one export request; traces split across requests are completed in the warehouse.
    """
    context: dict[str, dict[str, Any]] = {}
    for row in rows[start:]:
        known = context.get(row["trace_id"])
        is_root = row["parent_span_id"] is None
        if known is None:
            context[row["trace_id"]] = {c: row.get(c) for c in TENANT_FILL_COLUMNS}
        else:
            for column in TENANT_FILL_COLUMNS:
                value = row.get(column)
                if value is not None and (known[column] is None or is_root):
                    known[column] = value
    for row in rows[start:]:
        known = context[row["trace_id"]]
        for column in TENANT_FILL_COLUMNS:
            if row.get(column) is None and known[column] is not None:
                row[column] = known[column]
    return context


def _dump(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:
        return repr(obj).encode()
