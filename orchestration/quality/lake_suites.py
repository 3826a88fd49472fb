"""The expectation suites of the lake's tables, per partition date: timestamps must fall inside the
partition's day, and the day's volume is compared with the trailing average of earlier days.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import yaml

from orchestration.lake.schema import LAKE_TABLES
from orchestration.quality import thresholds as th
from orchestration.quality.rules import (
    ERROR,
    TOKEN_COLUMNS,
    WARN,
    Rule,
    Suite,
    hex_id,
    non_negative,
    share_rule,
)
from orchestration.warehouse.dbt_runner import PROJECT_DIR

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
            *hex_id("trace_id", 32),
            *hex_id("span_id", 16),
            *hex_id("parent_span_id", 16),
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
            *non_negative(["duration_ms", *TOKEN_COLUMNS, "reported_cost_usd", "ttft_ms"]),
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
            share_rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "span_type", "value_set": SPAN_TYPES},
                th.UNKNOWN_SPAN_TYPES,
                "span types the marts know",
            ),
            share_rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "gen_ai_provider", "value_set": sorted(known_providers())},
                th.UNKNOWN_PROVIDER_SPANS,
                "providers the price table does not know end up unpriced",
            ),
            share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "service_name"},
                th.SPANS_WITHOUT_SERVICE,
                "requests are attributed to a service",
            ),
            share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "tenant_id"},
                th.SPANS_WITHOUT_TENANT,
                "chargeback needs a tenant on most spans",
            ),
        ]
    elif table == "logs":
        rules += [
            *hex_id("trace_id", 32),
            *hex_id("span_id", 16),
            Rule("ExpectColumnValuesToNotBeNull", {"column": "log_at"}, ERROR, "time or observed time"),
            _window("log_at", day, 1),
            Rule(
                "ExpectColumnValuesToBeBetween",
                {"column": "severity_number", "min_value": 0, "max_value": 24},
                ERROR,
                "OTLP SeverityNumber",
            ),
            *non_negative([*TOKEN_COLUMNS, "reported_cost_usd"]),
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
            *non_negative(["count"]),
        ]
    elif table == "span_events":
        rules += [*hex_id("trace_id", 32), *hex_id("span_id", 16), _window("event_at", day, 2)]
    elif table == "span_links":
        rules += [
            *hex_id("trace_id", 32),
            *hex_id("span_id", 16),
            *hex_id("linked_trace_id", 32),
            *hex_id("linked_span_id", 16),
        ]
    if table in ("spans", "logs", "metric_points"):
        rule, note = volume_rule(history)
        if rule:
            rules.append(rule)
        if note:
            notes.append(note)
    return Suite(f"lake.{table}", rules, notes)
