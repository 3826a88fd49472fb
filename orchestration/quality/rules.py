"""What a suite is made of, as plain data: a `Rule` names a Great Expectations 1.x expectation class and
its arguments, a `Suite` is the rules for one target. `runner.py` turns rules into GX expectations only
when a suite runs (GX costs seconds to import). Severity decides what a failure does: `error` blocks the
downstream dbt build of that partition, `warn` is reported only.

The lake's suites are in `lake_suites.py`, the marts' in `mart_suites.py`; the rule shapes both use
(hex ids, never negative, a share of rows) are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestration.quality import thresholds as th

ERROR = "error"  # blocks the downstream build
WARN = "warn"  # shown, never blocks

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


def hex_id(column: str, length: int, severity: str = ERROR) -> list[Rule]:
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


def non_negative(columns: list[str]) -> list[Rule]:
    return [
        Rule("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}, ERROR, "never negative")
        for c in columns
    ]


def share_rule(expectation: str, kwargs: dict[str, Any], threshold: th.Threshold, why: str) -> Rule:
    """A warning when more than the threshold's share of rows misses the rule (thresholds.py)."""
    kwargs = {**kwargs, "mostly": threshold.mostly()}
    return Rule(
        expectation, kwargs, WARN, f"at most {threshold.percent():g}% {threshold.counted}: {why}", threshold
    )
