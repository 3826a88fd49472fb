"""Monthly chargeback from the FinOps marts: FOCUS rows and the numbers of the HTML report.

Every number is a mart row: the FOCUS lines are `finops.fct_chargeback_focus_monthly` (one row per
month x tenant x feature x team x provider x model x usage type x charge category, the cost split by
usage type in dbt), the breakdowns and the like-for-like month over month are
`finops.fct_chargeback_breakdowns_monthly`. Here they are selected by month, renamed to FOCUS columns
(focus_lines.py) and handed to the writers; the same code reads DuckDB or BigQuery (marts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.reports.focus_lines import focus_row
from orchestration.reports.marts import Marts, ReportError, as_marts

__all__ = ["ChargebackData", "Month", "ReportError", "latest_month", "load"]

FOCUS_MART = "finops.fct_chargeback_focus_monthly"
BREAKDOWNS_MART = "finops.fct_chargeback_breakdowns_monthly"


@dataclass(frozen=True)
class Month:
    start: date

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            return cls(datetime.strptime(text, "%Y-%m").date())
        except ValueError:
            raise ReportError(f"month {text!r} is not YYYY-MM (e.g. 2025-02)") from None

    @property
    def end(self) -> date:
        """First day of the next month (exclusive end)."""
        return (self.start.replace(day=28) + timedelta(days=4)).replace(day=1)

    @property
    def previous(self) -> Month:
        return Month((self.start - timedelta(days=1)).replace(day=1))

    @property
    def next(self) -> Month:
        return Month(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")


@dataclass
class ChargebackData:
    """Everything the CSV, Parquet and HTML need, read once from the marts."""

    month: Month
    focus_rows: list[dict[str, Any]]
    total: dict[str, Any]  # the month's `total` breakdown row: cost, calls, like for like, partial flags
    by: dict[
        str, list[dict[str, Any]]
    ]  # breakdown rows by dimension (tenant, team, feature, model, day, ...)
    movers: list[dict[str, Any]]
    closed: dict[str, Any] | None = None  # closed_at, closed_by when the month is booked
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def first_day(self) -> date:
        return self.total["month_first_call_date"]

    @property
    def last_day(self) -> date:
        return self.total["month_last_call_date"]

    @property
    def is_partial(self) -> bool:
        return bool(self.total["is_month_partial"])

    @property
    def billed_cost(self):
        return self.total["cost_usd"]


def latest_month(source: Marts | Path) -> Month:
    (row,) = as_marts(source).rows(f"select max(billing_month_start_date) as month from {BREAKDOWNS_MART}")
    if row["month"] is None:
        raise ReportError("the warehouse has no LLM costs yet")
    return Month(row["month"])


def load(source: Marts | Path, month: Month) -> ChargebackData:
    """Read the month's FOCUS lines and breakdowns (the previous month is in the breakdown rows)."""
    marts = as_marts(source)
    params = {"month": month.start}
    breakdowns = marts.rows(
        f"select * from {BREAKDOWNS_MART} where billing_month_start_date = $month "
        "order by dimension, day_of_month, cost_usd desc, member",
        params,
    )
    by: dict[str, list[dict[str, Any]]] = {}
    for row in breakdowns:
        by.setdefault(row["dimension"], []).append(row)
    if "total" not in by:
        (span,) = marts.rows(
            f"select min(billing_month_start_date) as first, max(billing_month_start_date) as last "
            f"from {BREAKDOWNS_MART}"
        )
        have = (
            f"it has {span['first']:%Y-%m} to {span['last']:%Y-%m}"
            if span["first"]
            else "it has no LLM costs yet"
        )
        raise ReportError(f"no LLM costs for {month} in the warehouse ({have}); pick another --month")
    lines = marts.rows(
        f"select * from {FOCUS_MART} where billing_month_start_date = $month "
        "order by charge_category desc, tenant_id, feature, team, provider, model, usage_type, "
        "adjusted_month_start_date",
        params,
    )
    (total,) = by["total"]
    movers = marts.rows(  # like for like, the largest changes first
        f"select * from {BREAKDOWNS_MART} where billing_month_start_date = $month "
        "and dimension = 'tenant_feature_model' and like_for_like_change_usd != 0 "
        "order by abs(like_for_like_change_usd) desc, member limit 10",
        params,
    )
    closed = next(
        ({"closed_at": x["closed_at"], "closed_by": x["closed_by"]} for x in lines if x["is_month_closed"]),
        None,
    )
    return ChargebackData(
        month=month,
        focus_rows=[focus_row(line) for line in lines],
        total=total,
        by=by,
        movers=movers,
        closed=closed,
    )
