"""Run a suite with Great Expectations (ephemeral context, pandas) and keep plain, printable results.

GX is imported on first use only: it costs seconds, and the CLI and Dagster load this module eagerly.
"""

from __future__ import annotations

import json
import logging
import uuid
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from orchestration.quality.rules import ERROR, WARN, Suite

MAX_EXAMPLES = 5


@dataclass
class Outcome:
    """One expectation's result: what was expected, what was observed."""

    expectation: str  # expect_column_values_to_be_between
    column: str | None
    expected: str  # readable arguments: "min_value=0", "value_set=[…] mostly=0.95"
    severity: str
    why: str
    success: bool
    observed: str  # "3 of 960 rows (0.31%) unexpected, e.g. [-2]" or the observed value
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: list[str] = field(default_factory=list)
    exception: str | None = None
    counted: str | None = None  # a share rule's noun ("unpriced calls"), shown beside the verdict
    warn_at_percent: float | None = None  # its threshold
    checked_count: int | None = None  # the rows the share is of (nulls left out where the rule skips them)


@dataclass
class SuiteResult:
    suite: str  # lake.spans
    target: str  # lake/spans/date=2025-03-01 or finops.fct_llm_costs_daily
    partition: str | None
    rows: int
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the data could not be read: always blocking

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def blocking_failures(self) -> list[Outcome]:
        return [o for o in self.failed if o.severity == ERROR]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.failed if o.severity == WARN]

    @property
    def success(self) -> bool:
        """No expectation failed at all (warnings included)."""
        return not self.errors and not self.failed

    @property
    def blocks(self) -> bool:
        """Whether downstream models must not be built on this data."""
        return bool(self.errors or self.blocking_failures)

    @property
    def status(self) -> str:
        return "error" if self.blocks else "warn" if self.warnings else "pass"

    def reasons(self, limit: int = 5) -> list[str]:
        """One line per problem, blocking ones first: what the UI and the CLI say."""
        lines = list(self.errors)
        for o in sorted(self.failed, key=lambda o: o.severity != ERROR):
            lines.append(
                f"[{o.severity}] {o.expectation}({o.column or ''}{', ' if o.column else ''}{o.expected}): "
                f"{o.observed}"
            )
        return lines[:limit] + ([f"… and {len(lines) - limit} more"] if len(lines) > limit else [])

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    text = str(value)
    return None if text in ("<NA>", "NaT", "nan") else text


def _expected_text(kwargs: dict[str, Any]) -> str:
    parts = []
    for key, value in kwargs.items():
        if key in ("column", "column_A", "column_B"):
            continue
        value = _jsonable(value)
        if isinstance(value, list) and len(value) > 8:
            value = [*value[:8], f"… {len(value) - 8} more"]
        parts.append(f"{key}={json.dumps(value) if not isinstance(value, str) else value}")
    return " ".join(parts)


@cache
def _context():
    """One ephemeral GX context per process, pandas only, no progress bars, no analytics."""
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("spanledger")
        .add_dataframe_asset("frames")
        .add_batch_definition_whole_dataframe("whole_frame")
    )
    return context, batch_definition


def validate(frame, suite: Suite, target: str, partition: str | None = None) -> SuiteResult:
    """Validate a pandas frame against a suite; every rule becomes one Outcome."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context, batch_definition = _context()
    gx_suite = gx.ExpectationSuite(name=f"{suite.name}.{uuid.uuid4().hex[:8]}")
    for rule in suite.rules:
        expectation_class = getattr(gxe, rule.expectation)
        meta = {"severity": rule.severity, "why": rule.why}
        if rule.threshold is not None:
            meta |= {"counted": rule.threshold.counted, "warn_at_percent": rule.threshold.percent()}
        gx_suite.add_expectation(expectation_class(**rule.kwargs, meta=meta))
    gx_suite = context.suites.add(gx_suite)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # GX on pandas 3 warns about its own use of deprecated pandas APIs
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            validation = batch.validate(
                gx_suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
            )
    finally:
        context.suites.delete(gx_suite.name)
    result = SuiteResult(suite.name, target, partition, len(frame), notes=list(suite.notes))
    for item in validation.results:
        config = item.expectation_config
        meta = config.meta or {}
        kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",) and v is not None}
        info = item.result or {}
        exception = None
        if item.exception_info and item.exception_info.get("raised_exception"):
            exception = str(item.exception_info.get("exception_message"))[:500]
        examples = [str(_jsonable(v)) for v in (info.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]]
        count = info.get("unexpected_count")
        percent = info.get("unexpected_percent")
        if exception:
            observed = f"could not be evaluated: {exception}"
        elif "observed_value" in info:
            observed = f"observed {json.dumps(_jsonable(info['observed_value']))[:300]}"
        elif count is not None:
            total = info.get("element_count", len(frame))
            observed = f"{count:,} of {total:,} rows ({(percent or 0):.2f}%) unexpected"
            if examples:
                observed += f", e.g. {', '.join(examples)}"
        else:
            observed = "ok"
        result.outcomes.append(
            Outcome(
                expectation=config.type,
                column=kwargs.get("column")
                or (f"{kwargs['column_A']} vs {kwargs['column_B']}" if "column_A" in kwargs else None),
                expected=_expected_text(kwargs),
                severity=meta.get("severity", ERROR),
                why=meta.get("why", ""),
                success=bool(item.success) and exception is None,
                observed=observed,
                unexpected_count=count,
                unexpected_percent=round(percent, 4) if percent is not None else None,
                examples=examples,
                exception=exception,
                counted=meta.get("counted"),
                warn_at_percent=meta.get("warn_at_percent"),
                checked_count=None
                if count is None
                else info.get("element_count", len(frame)) - (info.get("missing_count") or 0),
            )
        )
    return result
