"""The expectation suites of the key marts (and the priced calls beneath them), each a whole relation
or one date of it (`MartTarget.date_column`).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.quality import thresholds as th
from orchestration.quality.rules import ERROR, TOKEN_COLUMNS, Rule, Suite, non_negative, share_rule

COST_SOURCES = ["reported", "calculated", "unpriced", "no_usage"]  # as the dbt model's accepted values


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
            *non_negative([*TOKEN_COLUMNS, "cost_usd", "latency_ms"]),
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
            share_rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "is_unpriced", "value_set": [False]},
                th.UNPRICED_CALLS,
                "a call without a price (reported or calculated) is missing from the cost",
            ),
            share_rule(
                "ExpectColumnValuesToNotBeNull",
                {"column": "model"},
                th.CALLS_WITHOUT_MODEL,
                "cost is per model",
            ),
            share_rule(
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
            *non_negative(
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
            share_rule(
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
            *non_negative(["request_count", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"]),
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
