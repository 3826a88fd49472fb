"""The warning thresholds of the suites: what share of rows may miss something before a suite warns.

Each is set in percent by an environment variable, SPANLEDGER_QUALITY_WARN_<NAME>_PCT (docs/quality.md).
Below its threshold a count is not a warning, but it is not hidden either: `spanledger check` prints it
beside the verdict (`PASSED — 28 unpriced calls (0.4%, warn at 5%) …`), so "0 warn" never means "none".
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class ThresholdError(ValueError):
    """A threshold variable that is not a percentage."""


@dataclass(frozen=True)
class Threshold:
    name: str  # the variable's part: UNPRICED_CALLS → SPANLEDGER_QUALITY_WARN_UNPRICED_CALLS_PCT
    counted: str  # what one unexpected row is, for the summary: "unpriced calls"
    default_percent: float

    @property
    def variable(self) -> str:
        return f"SPANLEDGER_QUALITY_WARN_{self.name}_PCT"

    def percent(self) -> float:
        """The threshold in force: the variable's value, else the default."""
        raw = os.environ.get(self.variable, "").strip()
        if not raw:
            return self.default_percent
        try:
            value = float(raw.rstrip("%"))
        except ValueError:
            value = -1.0
        if not 0 <= value <= 100:
            raise ThresholdError(f"{self.variable}={raw!r}: a percentage from 0 to 100 is expected")
        return value

    def mostly(self) -> float:
        """Great Expectations' `mostly`: the share of rows that must meet the rule."""
        return round(1 - self.percent() / 100, 10)


UNPRICED_CALLS = Threshold("UNPRICED_CALLS", "unpriced calls", 5)
CALLS_WITHOUT_PROVIDER = Threshold("CALLS_WITHOUT_PROVIDER", "calls without provider", 10)
CALLS_WITHOUT_MODEL = Threshold("CALLS_WITHOUT_MODEL", "calls without model", 1)
UNKNOWN_PROVIDER_SPANS = Threshold("UNKNOWN_PROVIDER_SPANS", "LLM spans of unknown providers", 5)
UNKNOWN_SPAN_TYPES = Threshold("UNKNOWN_SPAN_TYPES", "spans of unknown type", 1)
SPANS_WITHOUT_SERVICE = Threshold("SPANS_WITHOUT_SERVICE", "spans without service", 1)
SPANS_WITHOUT_TENANT = Threshold("SPANS_WITHOUT_TENANT", "spans without tenant", 10)
COST_ROWS_WITHOUT_TENANT = Threshold("COST_ROWS_WITHOUT_TENANT", "cost rows without tenant", 5)

THRESHOLDS = (
    UNPRICED_CALLS,
    CALLS_WITHOUT_PROVIDER,
    CALLS_WITHOUT_MODEL,
    UNKNOWN_PROVIDER_SPANS,
    UNKNOWN_SPAN_TYPES,
    SPANS_WITHOUT_SERVICE,
    SPANS_WITHOUT_TENANT,
    COST_ROWS_WITHOUT_TENANT,
)
