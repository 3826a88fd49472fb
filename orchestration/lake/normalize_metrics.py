"""OTLP metrics → rows of the lake's `metric_points` table, one a data point of every shape (sum, gauge,
histogram, exponential histogram, summary): the metric part of `normalize.Normalizer`.

A metric that cannot be read is quarantined with all its data points; a bad data point on its own.
"""

from __future__ import annotations

from typing import Any

import orjson

from orchestration.lake import attribute_keys, semantics
from orchestration.lake.export_requests import Batch, Quarantined, points_in_metric
from orchestration.lake.normalize_base import (
    NS_PER_DAY,
    NormalizerBase,
    checked_time,
    json_text,
    list_field,
    raw_bytes,
)
from orchestration.otlp.values import (
    TEMPORALITIES,
    FieldError,
    decode_attributes,
    decode_double,
    decode_enum,
    decode_id,
    decode_int,
    decode_str,
    get,
)


class MetricNormalizer(NormalizerBase):
    """Metric data points → `metric_points` rows (a mixin of `normalize.Normalizer`)."""

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
            records = points_in_metric(metric)
            batch.records_in += records
            batch.quarantined.append(Quarantined(where, err.field, err.reason, records, raw_bytes(metric)))
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
            points = list_field(data, "dataPoints", "data_points", "")
        except FieldError as err:  # its data points are set aside with it
            records = points_in_metric(metric)
            batch.records_in += records
            batch.quarantined.append(Quarantined(where, err.field, err.reason, records, raw_bytes(metric)))
            return
        monotonic = get(data, "isMonotonic", "is_monotonic") if kind == "sum" else None
        for p, point in enumerate(points):
            batch.records_in += 1
            try:
                row = self._point(point, kind, base)
            except FieldError as err:
                batch.quarantined.append(
                    Quarantined(f"{where}.dataPoints[{p}]", err.field, err.reason, 1, raw_bytes(point))
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
        ts = checked_time(
            decode_int(get(point, "timeUnixNano", "time_unix_nano"), "timeUnixNano"), "timeUnixNano"
        )
        start = (
            decode_int(get(point, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano") or None
        )
        attrs = decode_attributes(point.get("attributes"), "attributes")
        model = semantics.first_str(attrs, attribute_keys.MODEL_METRIC_KEYS)
        token_type = semantics.first_str(attrs, attribute_keys.TOKEN_TYPE_KEYS)
        tenant = semantics.first_str(attrs, attribute_keys.TENANT_KEYS) or base["tenant_id"]
        redacted = self.filter.apply(attrs)
        row: dict[str, Any] = {
            **self._empty["metric_points"],
            **base,
            "start_time_unix_nano": start,
            "time_unix_nano": ts,
            "point_at": ts // 1000,
            "point_flags": decode_int(point.get("flags"), "flags"),
            "attributes": json_text(redacted.attributes),
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
