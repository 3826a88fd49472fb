"""Arrow schemas of the Parquet lake: the one source of truth for column names and types.

Layout: ``<data>/lake/<table>/date=YYYY-MM-DD/<file>.parquet`` (event date, UTC). The ``date``
partition column comes from the directory (hive style), never from inside the file.

Attribute maps are kept losslessly as a JSON object string: keys are the attribute keys, values are
the decoded AnyValue (string, bool, int, float, list, object; bytes as base64 text). JSON strings port
to BigQuery (JSON_VALUE) and DuckDB (json_extract_string) alike, which maps do not.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")  # BigQuery TIMESTAMP is microsecond precision
COST = pa.decimal128(38, 9)  # BigQuery NUMERIC: money stays exact end to end

# Resource and scope: every row carries them.
RESOURCE_FIELDS = [
    pa.field("service_name", pa.string()),
    pa.field("service_version", pa.string()),
    pa.field("service_namespace", pa.string()),
    pa.field("deployment_environment", pa.string()),
    pa.field("resource_attributes", pa.string()),
    pa.field("resource_schema_url", pa.string()),
    pa.field("scope_name", pa.string()),
    pa.field("scope_version", pa.string()),
    pa.field("scope_attributes", pa.string()),
]

# Lineage: which manifest entry and which line / message of it produced the row.
LINEAGE_FIELDS = [
    pa.field("source_file_id", pa.string()),
    pa.field("source_offset", pa.string()),
]

# Who: shared by every table so retention and erasure work the same way everywhere.
SUBJECT_FIELDS = [
    pa.field("tenant_id", pa.string()),
    pa.field("user_hash", pa.string()),
    pa.field("session_hash", pa.string()),
]

# LLM semantics normalized across OpenTelemetry GenAI, OpenInference, OpenLLMetry and Claude Code.
# See docs/semantic_mapping.md for which attribute feeds which column.
LLM_FIELDS = [
    pa.field("llm_convention", pa.string()),  # genai | openinference | openllmetry | claude_code | null
    pa.field("span_type", pa.string()),  # llm | embedding | tool | retrieval | agent | chain | ...
    pa.field("feature", pa.string()),
    pa.field("team", pa.string()),
    pa.field("conversation_id", pa.string()),
    pa.field("gen_ai_provider", pa.string()),
    pa.field("gen_ai_operation", pa.string()),
    pa.field("request_model", pa.string()),
    pa.field("response_model", pa.string()),
    pa.field("input_tokens", pa.int64()),  # includes cached tokens (GenAI semconv)
    pa.field("output_tokens", pa.int64()),  # includes reasoning tokens
    pa.field("cache_read_tokens", pa.int64()),
    pa.field("cache_write_tokens", pa.int64()),
    pa.field("reasoning_tokens", pa.int64()),
    pa.field("total_tokens", pa.int64()),
    pa.field("reported_cost_usd", COST),
    pa.field("finish_reasons", pa.string()),  # comma-separated, as reported
    pa.field("is_streaming", pa.bool_()),
    pa.field("ttft_ms", pa.float64()),
    pa.field("prompt_id", pa.string()),
    pa.field("prompt_version", pa.string()),
    pa.field("tool_name", pa.string()),
    pa.field("agent_name", pa.string()),
    pa.field("sample_rate", pa.float64()),
    pa.field("retry_attempt", pa.int64()),
    pa.field("is_fallback", pa.bool_()),
    pa.field("http_status_code", pa.int64()),
    pa.field("error_type", pa.string()),
    pa.field("input_chars", pa.int64()),  # length of the prompt content, kept when the text is dropped
    pa.field("output_chars", pa.int64()),
    pa.field("content_hmac", pa.string()),  # keyed hash of the dropped content, for dedup without text
    pa.field("eval_name", pa.string()),
    pa.field("eval_score", pa.float64()),
    pa.field("eval_label", pa.string()),
    pa.field("feedback_score", pa.float64()),
]

SPANS = pa.schema(
    [
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("parent_span_id", pa.string()),
        pa.field("trace_state", pa.string()),
        pa.field("span_name", pa.string()),
        pa.field("span_kind", pa.string()),
        pa.field("start_time_unix_nano", pa.int64()),
        pa.field("end_time_unix_nano", pa.int64()),
        pa.field("start_at", TS),
        pa.field("end_at", TS),
        pa.field("duration_ms", pa.float64()),
        pa.field("status_code", pa.string()),
        pa.field("status_message", pa.string()),
        pa.field("span_flags", pa.int64()),
        pa.field("dropped_attributes_count", pa.int64()),
        pa.field("dropped_events_count", pa.int64()),
        pa.field("dropped_links_count", pa.int64()),
        pa.field("attributes", pa.string()),
        pa.field("attributes_truncated", pa.bool_()),
        pa.field("attributes_repaired", pa.bool_()),  # invalid text in a value replaced by U+FFFD
        *SUBJECT_FIELDS,
        *LLM_FIELDS,
        *RESOURCE_FIELDS,
        *LINEAGE_FIELDS,
    ]
)

SPAN_EVENTS = pa.schema(
    [
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("event_index", pa.int32()),
        pa.field("event_name", pa.string()),
        pa.field("time_unix_nano", pa.int64()),
        pa.field("event_at", TS),
        pa.field("dropped_attributes_count", pa.int64()),
        pa.field("attributes", pa.string()),
        pa.field("attributes_truncated", pa.bool_()),
        pa.field("attributes_repaired", pa.bool_()),  # invalid text in a value replaced by U+FFFD
        *SUBJECT_FIELDS,
        *RESOURCE_FIELDS,
        *LINEAGE_FIELDS,
    ]
)

SPAN_LINKS = pa.schema(
    [
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("link_index", pa.int32()),
        pa.field("linked_trace_id", pa.string()),
        pa.field("linked_span_id", pa.string()),
        pa.field("linked_trace_state", pa.string()),
        pa.field("link_flags", pa.int64()),
        pa.field("dropped_attributes_count", pa.int64()),
        pa.field("attributes", pa.string()),
        pa.field("attributes_truncated", pa.bool_()),
        pa.field("attributes_repaired", pa.bool_()),  # invalid text in a value replaced by U+FFFD
        *SUBJECT_FIELDS,
        *RESOURCE_FIELDS,
        *LINEAGE_FIELDS,
    ]
)

LOGS = pa.schema(
    [
        pa.field("time_unix_nano", pa.int64()),
        pa.field("observed_time_unix_nano", pa.int64()),
        pa.field("log_at", TS),  # time, else observed time (the spec's rule for a missing time)
        pa.field("severity_number", pa.int32()),
        pa.field("severity_text", pa.string()),
        pa.field("event_name", pa.string()),
        pa.field("body", pa.string()),  # string body as is; structured bodies as JSON
        pa.field("trace_id", pa.string()),
        pa.field("span_id", pa.string()),
        pa.field("log_flags", pa.int64()),
        pa.field("dropped_attributes_count", pa.int64()),
        pa.field("attributes", pa.string()),
        pa.field("attributes_truncated", pa.bool_()),
        pa.field("attributes_repaired", pa.bool_()),  # invalid text in a value replaced by U+FFFD
        *SUBJECT_FIELDS,
        *LLM_FIELDS,
        *RESOURCE_FIELDS,
        *LINEAGE_FIELDS,
    ]
)

QUANTILE = pa.struct([pa.field("quantile", pa.float64()), pa.field("value", pa.float64())])

METRIC_POINTS = pa.schema(
    [
        pa.field("metric_name", pa.string(), nullable=False),
        pa.field("metric_description", pa.string()),
        pa.field("metric_unit", pa.string()),
        pa.field("metric_type", pa.string()),  # sum | gauge | histogram | exponential_histogram | summary
        pa.field("aggregation_temporality", pa.string()),  # DELTA | CUMULATIVE | UNSPECIFIED
        pa.field("is_monotonic", pa.bool_()),
        pa.field("start_time_unix_nano", pa.int64()),
        pa.field("time_unix_nano", pa.int64()),
        pa.field("point_at", TS),
        pa.field("value_double", pa.float64()),
        pa.field("value_int", pa.int64()),
        pa.field("count", pa.int64()),
        pa.field("sum", pa.float64()),
        pa.field("min", pa.float64()),
        pa.field("max", pa.float64()),
        pa.field("bucket_counts", pa.list_(pa.int64())),
        pa.field("explicit_bounds", pa.list_(pa.float64())),
        pa.field("exp_scale", pa.int32()),
        pa.field("exp_zero_count", pa.int64()),
        pa.field("exp_zero_threshold", pa.float64()),
        pa.field("exp_positive_offset", pa.int32()),
        pa.field("exp_positive_bucket_counts", pa.list_(pa.int64())),
        pa.field("exp_negative_offset", pa.int32()),
        pa.field("exp_negative_bucket_counts", pa.list_(pa.int64())),
        pa.field("quantile_values", pa.list_(QUANTILE)),
        pa.field("exemplars", pa.string()),  # JSON list: time, value, trace/span id, filtered attributes
        pa.field("point_flags", pa.int64()),
        pa.field("attributes", pa.string()),
        pa.field("attributes_truncated", pa.bool_()),
        pa.field("attributes_repaired", pa.bool_()),  # invalid text in a value replaced by U+FFFD
        *SUBJECT_FIELDS,
        pa.field("model", pa.string()),
        pa.field("token_type", pa.string()),  # input | output | cacheRead | cacheCreation ...
        *RESOURCE_FIELDS,
        *LINEAGE_FIELDS,
    ]
)

# Prompt / response text, only when SPANLEDGER_STORE_CONTENT is on; lives outside the lake.
RESTRICTED_CONTENT = pa.schema(
    [
        pa.field("source_table", pa.string(), nullable=False),
        pa.field("trace_id", pa.string()),
        pa.field("span_id", pa.string()),
        pa.field("attribute_key", pa.string()),
        pa.field("content", pa.string()),
        pa.field("content_chars", pa.int64()),
        pa.field("event_at", TS),
        pa.field("expires_at", TS),
        *SUBJECT_FIELDS,
        *LINEAGE_FIELDS,
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("source_path", pa.string()),
        pa.field("source_file_id", pa.string()),
        pa.field("signal", pa.string()),
        pa.field("location", pa.string()),  # "line 12", "byte 4096", "line 3: resourceSpans[0]...spans[2]"
        pa.field("field", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("records", pa.int64()),  # records this entry stands for (1 unless a whole unit failed)
        pa.field("raw_excerpt", pa.string()),
        pa.field("raw_bytes", pa.int64()),
        pa.field("quarantined_at", TS),
    ]
)

# Columns whose values are nearly all distinct: ids, times, attribute JSON. Parquet's dictionary
# encoding would try each of them, overflow its page and fall back to plain; skipping it there took
# 14% off the writer's CPU and 12% off the files (generated spans, see docs/landing.md).
DISTINCT_VALUED = frozenset(
    {
        "trace_id",
        "span_id",
        "parent_span_id",
        "linked_trace_id",
        "linked_span_id",
        "attributes",
        "start_time_unix_nano",
        "end_time_unix_nano",
        "time_unix_nano",
        "observed_time_unix_nano",
        "start_at",
        "end_at",
        "event_at",
        "log_at",
        "point_at",
        "duration_ms",
        "ttft_ms",
        "content_hmac",
        "source_offset",
        "exemplars",
        "raw_excerpt",
    }
)


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns Parquet should dictionary-encode: all but the DISTINCT_VALUED ones."""
    return [f.name for f in schema if f.name not in DISTINCT_VALUED]


def statistics_columns(schema: pa.Schema) -> list[str]:
    """The columns Parquet should keep min/max statistics of: times and numbers, which let a reader skip
    row groups. A row group's strings (ids, JSON, names) span nearly their whole range, so their
    statistics skip nothing, and computing them took 12% of the writer's CPU."""
    return [f.name for f in schema if not pa.types.is_string(f.type)]


LAKE_TABLES: dict[str, pa.Schema] = {
    "spans": SPANS,
    "span_events": SPAN_EVENTS,
    "span_links": SPAN_LINKS,
    "logs": LOGS,
    "metric_points": METRIC_POINTS,
}


def schema_difference(expected: pa.Schema, actual: pa.Schema) -> str:
    """Columns whose presence or Arrow type differs from the lake schema; empty when they agree."""
    problems = []
    actual_types = {f.name: f.type for f in actual}
    for f in expected:
        if f.name not in actual_types:
            problems.append(f"{f.name} missing")
        elif actual_types[f.name] != f.type:
            problems.append(f"{f.name} is {actual_types[f.name]}, expected {f.type}")
    problems += [f"{name} unexpected" for name in actual_types if expected.get_field_index(name) < 0]
    return "; ".join(problems)


def conformable(expected: pa.Schema, actual: pa.Schema) -> bool:
    """Rows of `actual` fit `expected` unchanged: at most some columns are missing (they become null).
    A column `expected` lacks, or one of another type, is never trimmed or cast away."""
    types = {f.name: f.type for f in expected}
    return all(types.get(f.name) == f.type for f in actual)


def conform_table(table: pa.Table, schema: pa.Schema, constants: dict[str, object] | None = None) -> pa.Table:
    """`table` in `schema`'s column order: missing columns null (older files), `constants` columns set
    to one value (a partition column)."""
    constants = constants or {}
    present = set(table.column_names)
    columns = []
    for f in schema:
        if f.name in constants:
            columns.append(pa.array([constants[f.name]] * table.num_rows, f.type))
        elif f.name in present:
            column = table[f.name]
            # A cast per column costs a compute dispatch even when the type already fits, and
            # compaction conforms every small file: most of its CPU went there.
            columns.append(column if column.type == f.type else column.cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)
