"""What the rows of every signal share (the base of `normalize.Normalizer`): the per-task settings, the
resource and scope columns every row carries, the walk over an export request's resources and scopes
(quarantining one it cannot read as its records, while its siblings go on), one record at a time with
its own quarantine, the restricted content rows, and the field checks the signals use.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from orchestration.lake import attribute_keys, semantics
from orchestration.lake.export_requests import (
    SHAPES,
    Batch,
    Quarantined,
    records_in_resource,
    records_in_scope,
)
from orchestration.lake.privacy import AttributeFilter
from orchestration.otlp.values import FieldError, decode_attributes, decode_str, get

NS_PER_DAY = 86_400 * 1_000_000_000
# Plausible event times: anything outside is a clock or encoding error, not telemetry.
MIN_EVENT_NS = 946_684_800 * 1_000_000_000  # 2000-01-01
MAX_EVENT_NS = 4_102_444_800 * 1_000_000_000  # 2100-01-01


def json_text(value: dict[str, Any] | None) -> str | None:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() if value else None


def list_field(obj: dict[str, Any], camel: str, snake: str, where: str) -> list[Any]:
    value = get(obj, camel, snake)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError(where + camel, f"expected a list, got {type(value).__name__}")
    return value


def checked_time(ns: int | None, field_name: str) -> int:
    if ns is None or not MIN_EVENT_NS <= ns < MAX_EVENT_NS:
        raise FieldError(field_name, f"timestamp {ns} is outside 2000-01-01..2100-01-01")
    return ns


def raw_bytes(obj: Any) -> bytes:
    """A record as it came, for its quarantine entry."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return repr(obj).encode()


class NormalizerBase:
    """The settings and shared steps of a `normalize.Normalizer`; the signals' mixins build on it."""

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
            "resource_attributes": json_text(redacted.attributes),
            "resource_schema_url": decode_str(get(container, "schemaUrl", "schema_url"), "schemaUrl"),
            "tenant_id": semantics.first_str(attrs, attribute_keys.TENANT_KEYS),
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
            "scope_attributes": json_text(self.filter.apply(attrs).attributes),
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

    def _scopes(self, request: dict[str, Any], signal: str, location: str, batch: Batch):
        """Yield (resource and scope columns, resource defaults, items, where) per scope. A resource
        or scope that cannot be read is quarantined as one record; its siblings go on."""
        r_camel, r_snake, s_camel, s_snake, i_camel, i_snake = SHAPES[signal]
        for r, resource in enumerate(list_field(request, r_camel, r_snake, "")):
            where = f"{r_camel}[{r}]."
            try:
                if not isinstance(resource, dict):
                    raise FieldError(where.rstrip("."), "expected an object")
                resource_cols, resource_defaults = self._resource(resource, where)
                scope_list = list_field(resource, s_camel, s_snake, where)
                if not scope_list and signal == "traces":  # OTLP before 0.15 called scopes "libraries"
                    scope_list = list_field(
                        resource, "instrumentationLibrarySpans", "instrumentation_library_spans", where
                    )
            except FieldError as err:  # the records under it are set aside with it
                records = records_in_resource(resource, signal)
                batch.records_in += records
                batch.quarantined.append(
                    Quarantined(location, err.field, err.reason, records, raw_bytes(resource))
                )
                continue
            for s, scope in enumerate(scope_list):
                swhere = f"{where}{s_camel}[{s}]."
                try:
                    if not isinstance(scope, dict):
                        raise FieldError(swhere.rstrip("."), "expected an object")
                    scope_cols = self._scope(scope, swhere)
                    items = list_field(scope, i_camel, i_snake, swhere)
                except FieldError as err:
                    records = records_in_scope(scope, signal)
                    batch.records_in += records
                    batch.quarantined.append(
                        Quarantined(location, err.field, err.reason, records, raw_bytes(scope))
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
                    Quarantined(f"{location}: {where}[{i}]", err.field, err.reason, 1, raw_bytes(item))
                )
