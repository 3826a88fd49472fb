"""The expectation suites, as plain data: what each lake table and key mart must satisfy.

A `Rule` names a Great Expectations 1.x expectation class and its arguments; `runner.py` turns rules
into GX expectations only when a suite runs (GX costs seconds to import). Severity decides what a
failure does: `error` blocks the downstream dbt build of that partition, `warn` is reported only.

Lake suites are per partition date: timestamps must fall inside the partition's day, and the day's
volume is compared with the trailing average of earlier days.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import yaml

from orchestration.lake.schema import LAKE_TABLES
from orchestration.quality import thresholds as th
from orchestration.warehouse.dbt_runner import PROJECT_DIR

ERROR = "error"  # blocks the downstream build
WARN = "warn"  # shown, never blocks

# Volume: a day below MIN_VOLUME_RATIO (or above MAX_VOLUME_RATIO) of the trailing average is flagged.
VOLUME_TRAILING_DAYS = 7
VOLUME_MIN_HISTORY_DAYS = 3
MIN_VOLUME_RATIO = 0.6
MAX_VOLUME_RATIO = 3.0

SPAN_KINDS = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"]
STATUS_CODES = ["UNSET", "OK", "ERROR"]
CONVENTIONS = ["genai", "openinference", "openllmetry", "claude_code"]
SPAN_TYPES = [
    "llm",
    "embedding",
    "tool",
    "retrieval",
    "agent",
    "chain",
    "reranker",
    "guardrail",
    "evaluator",
    "workflow",
    "task",
]
METRIC_TYPES = ["sum", "gauge", "histogram", "exponential_histogram", "summary"]
TEMPORALITIES = ["DELTA", "CUMULATIVE", "UNSPECIFIED"]
COST_SOURCES = ["reported", "calculated", "unpriced", "no_usage"]  # as the dbt model's accepted values
TOKEN_COLUMNS = [
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
]


@dataclass(frozen=True)
class Rule:
    expectation: str  # a class of great_expectations.expectations
    kwargs: dict[str, Any]
    severity: str = ERROR
    why: str = ""
    threshold: th.Threshold | None = None  # a share of rows may miss it: reported beside the verdict

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")


@dataclass
class Suite:
    name: str  # "lake.spans", "mart.finops.fct_llm_costs_daily"
    rules: list[Rule]
    notes: list[str] = field(default_factory=list)  # rules left out and why (e.g. too little history)


@cache
def known_providers() -> frozenset[str]:
    """Provider names the price table can resolve: every alias and canonical name of the seed."""
    with open(PROJECT_DIR / "seeds" / "provider_aliases.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as fh:
        gateways = yaml.safe_load(fh)["vars"]["gateway_providers"]  # priced by the model name behind them
    return frozenset(
        {r["provider_alias"].strip().lower() for r in rows}
        | {r["provider"].strip().lower() for r in rows}
        | {str(g).lower() for g in gateways}
    )


def _ts(day: date, plus_days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=plus_days), time(0), tzinfo=UTC)


def _hex_id(column: str, length: int, severity: str = ERROR) -> list[Rule]:
    return [
        Rule(
            "ExpectColumnValueLengthsToEqual",
            {"column": column, "value": length},
            severity,
            f"OTLP ids are {length} hex characters",
        ),
        Rule(
            "ExpectColumnValuesToMatchRegex",
            {"column": column, "regex": f"^[0-9a-f]{{{length}}}$"},
            severity,
            "lowercase hex",
        ),
    ]


def _non_negative(columns: list[str]) -> list[Rule]:
    return [
        Rule("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}, ERROR, "never negative")
        for c in columns
    ]


def _share_rule(expectation: str, kwargs: dict[str, Any], threshold: th.Threshold, why: str) -> Rule:
    """A warning when more than the threshold's share of rows misses the rule (thresholds.py)."""
    kwargs = {**kwargs, "mostly": threshold.mostly()}
    return Rule(
        expectation, kwargs, WARN, f"at most {threshold.percent():g}% {threshold.counted}: {why}", threshold
    )


def _schema_rules(table: str) -> list[Rule]:
    # Column types are compared on the Arrow schema of every file (checks.py): pandas dtypes blur them.
    return [
        Rule(
            "ExpectTableColumnsToMatchOrderedList",
            {"column_list": LAKE_TABLES[table].names},
            ERROR,
            "columns of orchestration/lake/schema.py, in order",
        )
    ]


def volume_rule(history: list[int]) -> tuple[Rule | None, str | None]:
    """Row count within [MIN, MAX] × the trailing average of earlier days, given enough of them."""
    history = history[-VOLUME_TRAILING_DAYS:]
    if len(history) < VOLUME_MIN_HISTORY_DAYS:
        return None, f"volume not checked: {len(history)} earlier day(s), {VOLUME_MIN_HISTORY_DAYS} needed"
    average = sum(history) / len(history)
    rule = Rule(
        "ExpectTableRowCountToBeBetween",
        {
            "min_value": math.ceil(MIN_VOLUME_RATIO * average),
            "max_value": math.floor(MAX_VOLUME_RATIO * average),
        },
        WARN,
        f"{MIN_VOLUME_RATIO:g}–{MAX_VOLUME_RATIO:g} × the trailing {len(history)}-day average "
        f"of {average:,.0f} rows",
    )
    return rule, None


def _window(column: str, day: date, days_after: int, severity: str = ERROR) -> Rule:
    return Rule(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": _ts(day), "max_value": _ts(day, days_after), "strict_max": True},
        severity,
        f"event date is the partition date ({day}); up to {days_after} day(s) after it",
    )


def lake_suite(table: str, day: date, history: list[int]) -> Suite:
    """The suite of one lake table for one partition date; `history` = row counts of earlier days."""
    rules = _schema_rules(table)
    notes: list[str] = []
    if table == "spans":
        rules += [
            *_hex_id("trace_id", 32),
            *_hex_id("span_id", 16),
            *_hex_id("parent_span_id", 16),
            Rule("ExpectColumnValuesToNotBeNull", {"column": "start_at"}, ERROR, "every span has a start"),
            Rule("ExpectColumnValuesToNotBeNull", {"column": "end_at"}, ERROR, "every span has an end"),
            _window("start_at", day, 1),
            _window("end_at", day, 2),
            Rule(
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {
                    "column_A": "end_at",
                    "column_B": "start_at",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                ERROR,
                "a span ends at or after its start",
            ),
            *_non_negative(["duration_ms", *TOKEN_COLUMNS, "reported_cost_usd", "ttft_ms"]),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "span_kind", "value_set": SPAN_KINDS},
                ERROR,
                "OTLP SpanKind",
            ),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "status_code", "value_set": STATUS_CODES},
                ERROR,
                "OTLP StatusCode",
            ),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "llm_convention", "value_set": CONVENTIONS},
                ERROR,
                "conventions the landing recognises",
            ),
            _share_rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "span_type", "value_set": SPAN_TYPES},
                th.UNKNOWN_SPAN_TYPES,
                "span types the marts know",
            ),
            _share_rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "gen_ai_provider", "value_set": sorted(known_providers())},
                th.UNKNOWN_PROVIDER_SPANS,
                "providers the price table does not know end up unpriced",
            ),
            _share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "service_name"},
                th.SPANS_WITHOUT_SERVICE,
                "requests are attributed to a service",
            ),
            _share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "tenant_id"},
                th.SPANS_WITHOUT_TENANT,
                "chargeback needs a tenant on most spans",
            ),
        ]
    elif table == "logs":
        rules += [
            *_hex_id("trace_id", 32),
            *_hex_id("span_id", 16),
            Rule("ExpectColumnValuesToNotBeNull", {"column": "log_at"}, ERROR, "time or observed time"),
            _window("log_at", day, 1),
            Rule(
                "ExpectColumnValuesToBeBetween",
                {"column": "severity_number", "min_value": 0, "max_value": 24},
                ERROR,
                "OTLP SeverityNumber",
            ),
            *_non_negative([*TOKEN_COLUMNS, "reported_cost_usd"]),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "llm_convention", "value_set": CONVENTIONS},
                ERROR,
                "conventions the landing recognises",
            ),
        ]
    elif table == "metric_points":
        rules += [
            Rule(
                "ExpectColumnValuesToNotBeNull", {"column": "metric_name"}, ERROR, "every point has a metric"
            ),
            Rule("ExpectColumnValuesToNotBeNull", {"column": "point_at"}, ERROR, "every point has a time"),
            _window("point_at", day, 1),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "metric_type", "value_set": METRIC_TYPES},
                ERROR,
                "OTLP metric data kinds",
            ),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "aggregation_temporality", "value_set": TEMPORALITIES},
                ERROR,
                "OTLP AggregationTemporality",
            ),
            *_non_negative(["count"]),
        ]
    elif table == "span_events":
        rules += [*_hex_id("trace_id", 32), *_hex_id("span_id", 16), _window("event_at", day, 2)]
    elif table == "span_links":
        rules += [
            *_hex_id("trace_id", 32),
            *_hex_id("span_id", 16),
            *_hex_id("linked_trace_id", 32),
            *_hex_id("linked_span_id", 16),
        ]
    if table in ("spans", "logs", "metric_points"):
        rule, note = volume_rule(history)
        if rule:
            rules.append(rule)
        if note:
            notes.append(note)
    return Suite(f"lake.{table}", rules, notes)


# --- marts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MartTarget:
    relation: str  # schema.table in the DuckDB warehouse (and the Dagster asset key)
    date_column: str | None  # filters one partition date


MARTS: dict[str, MartTarget] = {
    "intermediate.int_llm_calls_priced": MartTarget("intermediate.int_llm_calls_priced", "call_date"),
    "finops.fct_llm_costs_daily": MartTarget("finops.fct_llm_costs_daily", "cost_date"),
    "reliability.fct_tenant_latency_daily": MartTarget(
        "reliability.fct_tenant_latency_daily", "latency_date"
    ),
}


def mart_suite(relation: str) -> Suite:
    if relation == "intermediate.int_llm_calls_priced":
        rules = [
            Rule("ExpectColumnValuesToNotBeNull", {"column": "llm_call_id"}, ERROR, "primary key"),
            Rule("ExpectColumnValuesToBeUnique", {"column": "llm_call_id"}, ERROR, "primary key"),
            *_non_negative(
                [
                    "input_tokens",
                    "output_tokens",
                    "cache_read_tokens",
                    "cache_write_tokens",
                    "reasoning_tokens",
                    "total_tokens",
                    "cost_usd",
                    "latency_ms",
                ]
            ),
            Rule(
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {
                    "column_A": "ended_at",
                    "column_B": "started_at",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                ERROR,
                "a call ends at or after its start",
            ),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "cost_source", "value_set": COST_SOURCES},
                ERROR,
                "how the cost was obtained",
            ),
            _share_rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "is_unpriced", "value_set": [False]},
                th.UNPRICED_CALLS,
                "a call without a price (reported or calculated) is missing from the cost",
            ),
            _share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "model"},
                th.CALLS_WITHOUT_MODEL,
                "cost is per model",
            ),
            _share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "provider_name"},
                th.CALLS_WITHOUT_PROVIDER,
                "prices are per provider",
            ),
        ]
    elif relation == "finops.fct_llm_costs_daily":
        rules = [
            Rule("ExpectColumnValuesToNotBeNull", {"column": "cost_row_id"}, ERROR, "primary key"),
            Rule("ExpectColumnValuesToBeUnique", {"column": "cost_row_id"}, ERROR, "primary key"),
            Rule("ExpectColumnValuesToNotBeNull", {"column": "cost_date"}, ERROR, "grain"),
            *_non_negative(
                [
                    "request_count",
                    "llm_call_count",
                    *TOKEN_COLUMNS,
                    "reported_cost_usd",
                    "calculated_cost_usd",
                    "total_cost_usd",
                    "unpriced_call_count",
                ]
            ),
            Rule(
                "ExpectColumnValuesToBeBetween",
                {"column": "cache_hit_rate", "min_value": 0, "max_value": 1},
                ERROR,
                "a rate",
            ),
            _share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "tenant_id"},
                th.COST_ROWS_WITHOUT_TENANT,
                "chargeback needs the tenant",
            ),
        ]
    elif relation == "reliability.fct_tenant_latency_daily":
        rules = [
            Rule("ExpectColumnValuesToNotBeNull", {"column": "latency_row_id"}, ERROR, "primary key"),
            Rule("ExpectColumnValuesToBeUnique", {"column": "latency_row_id"}, ERROR, "primary key"),
            *_non_negative(["request_count", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"]),
            Rule(
                "ExpectColumnValuesToBeBetween",
                {"column": "error_rate", "min_value": 0, "max_value": 1},
                ERROR,
                "a rate",
            ),
            Rule(
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {
                    "column_A": "latency_p95_ms",
                    "column_B": "latency_p50_ms",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                ERROR,
                "percentiles are ordered",
            ),
        ]
    else:
        raise KeyError(f"no suite for {relation}")
    return Suite(f"mart.{relation}", rules)
