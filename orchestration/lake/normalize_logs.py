"""OTLP log records → rows of the lake's `logs` table: the log part of `normalize.Normalizer`.

A record's event name decides what its body is: a content event's body is people's text (hashed,
counted and kept only when content capture is on), Claude Code's events get their `claude_code.` name.
The native decoder (native/decoder.py) reads the event name sets from here.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import orjson

from orchestration.lake import attribute_keys, semantics
from orchestration.lake.export_requests import Batch
from orchestration.lake.normalize_base import NS_PER_DAY, NormalizerBase, checked_time, json_text
from orchestration.otlp.values import (
    FieldError,
    decode_any_value,
    decode_id,
    decode_int,
    decode_severity,
    decode_str,
    get,
)

CLAUDE_CODE_EVENTS = frozenset({"user_prompt", "api_request", "api_error", "tool_result", "tool_decision"})
CLAUDE_CODE_SERVICE = "claude-code"  # its resource's service.name
CLAUDE_CODE_PREFIX = "claude_code."  # of its event names
# Content events whose body is the model's answer (output_chars); the other content events are input.
OUTPUT_CONTENT_EVENTS = frozenset({"gen_ai.choice", "gen_ai.assistant.message"})


class LogNormalizer(NormalizerBase):
    """Log records → `logs` rows (a mixin of `normalize.Normalizer`)."""

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
        at = checked_time(time_ns or observed, "timeUnixNano" if time_ns else "observedTimeUnixNano")
        trace_id = decode_id(get(record, "traceId", "trace_id"), 16, "traceId", required=False)
        span_id = decode_id(get(record, "spanId", "span_id"), 8, "spanId", required=False)
        # One pass over the attributes (decode, privacy filter, LLM column candidates), as for spans.
        redacted = self.filter.read(record.get("attributes"), "attributes")
        attrs = redacted.attributes
        body = decode_any_value(record.get("body"), "body")
        event_name = _event_name(record, attrs, body, base["service_name"])
        body_text: str | None
        if event_name in attribute_keys.CONTENT_EVENT_NAMES and body is not None:
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
        tenant = semantics.first_str(attrs, attribute_keys.TENANT_KEYS) or base["tenant_id"]
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
                "attributes": json_text(redacted.attributes),
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
