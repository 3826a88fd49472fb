"""OTLP export requests (plain dicts in the OTLP/JSON mapping) → lake rows, one table at a time.

A record that cannot be decoded is quarantined with the field and reason; its siblings still land.
Every row carries its resource and scope. Records: spans, log records and metric data points.
`Normalizer` is the one entry point (`traces`, `logs`, `metrics`); spans, their events and links, and
the fill-down of a trace root's tenant and subject are here, the other signals in `normalize_logs.py`
and `normalize_metrics.py` on the shared steps of `normalize_base.py`; what a request holds and the
`Batch` its rows land in are in `export_requests.py`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from orchestration.lake import attribute_keys, semantics
from orchestration.lake.export_requests import Batch
from orchestration.lake.normalize_base import NS_PER_DAY, checked_time, json_text, list_field
from orchestration.lake.normalize_logs import LogNormalizer
from orchestration.lake.normalize_metrics import MetricNormalizer
from orchestration.otlp.values import (
    SPAN_KINDS,
    STATUS_CODES,
    FieldError,
    decode_enum,
    decode_id,
    decode_int,
    decode_str,
    get,
)

TENANT_FILL_COLUMNS = ("tenant_id", "feature", "team", "user_hash", "session_hash")
SUBJECT_COLUMNS = ("tenant_id", "user_hash", "session_hash")


class Normalizer(LogNormalizer, MetricNormalizer):
    """Turns export requests into rows; one per landing task (its caches are per process)."""

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
        start = checked_time(
            decode_int(get(span, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano"),
            "startTimeUnixNano",
        )
        end = decode_int(get(span, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano")
        if end is not None and end != 0:
            checked_time(end, "endTimeUnixNano")
        status = span.get("status") or {}
        if not isinstance(status, dict):
            raise FieldError("status", "expected an object")
        status_code = decode_enum(status.get("code"), STATUS_CODES, "STATUS_CODE_", "status.code")
        redacted = self.filter.read(span.get("attributes"), "attributes")
        attrs = redacted.attributes
        events = list_field(span, "events", "events", "")
        links = list_field(span, "links", "links", "")
        llm = semantics.llm_columns(redacted.llm_best, redacted.llm_flags, attrs, resource_defaults)
        tenant = semantics.first_str(attrs, attribute_keys.TENANT_KEYS) or base["tenant_id"]
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
            "attributes": json_text(redacted.attributes),
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
        checked_time(ts, f"events[{j}].timeUnixNano")
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
            "attributes": json_text(redacted.attributes),
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
            "attributes": json_text(redacted.attributes),
            "attributes_truncated": redacted.truncated,
            "source_file_id": self.file_id,
            "source_offset": location,
            "_day": day,
        }


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
