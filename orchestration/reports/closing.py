"""Close a billing month: its chargeback lines are booked and never change afterwards.

`close_month` appends the month's lines (usage, and the adjustments billed in it) to
finops.fct_chargeback_closed_lines by a dbt run of that append-only model and the marts after it
(vars close_month, closed_by, closed_at). On DuckDB the run holds the warehouse write lock and builds
into a copy that replaces the warehouse only when every model and test passed (dbt_runner.py), so a
month is closed whole or not at all. Later differences (late data, repricing) show as Adjustment lines
of the next open month in finops.fct_chargeback_focus_monthly; the closed lines stay as booked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from orchestration.reports.chargeback import FOCUS_MART, Month
from orchestration.reports.marts import ReportError, marts_for

CLOSED_MART = "finops.fct_chargeback_closed_lines"
CLOSER_NAME = re.compile(r"^[A-Za-z0-9@._ -]{1,80}$")


@dataclass(frozen=True)
class ClosedMonth:
    month: Month
    lines: int
    closed_at: datetime
    closed_by: str


def closed_month(settings, month: Month) -> ClosedMonth | None:
    """Who closed the month and when, or None while it is open."""
    rows = marts_for(settings).rows(
        f"select closed_by, min(closed_at) as closed_at, count(*) as lines from {CLOSED_MART} "
        "where billing_month_start_date = $month group by closed_by",
        {"month": month.start},
    )
    if not rows:
        return None
    (row,) = rows
    return ClosedMonth(month, row["lines"], row["closed_at"], row["closed_by"])


def close_month(settings, month: Month, closed_by: str, lock_timeout: float | None = None) -> ClosedMonth:
    from orchestration.warehouse.dbt_runner import run_dbt

    if not CLOSER_NAME.match(closed_by):
        raise ReportError(f"--by {closed_by!r}: letters, digits, spaces and @._- only (at most 80)")
    done = closed_month(settings, month)
    if done is not None:
        raise ReportError(
            f"{month} was closed on {done.closed_at:%Y-%m-%d %H:%M} UTC by {done.closed_by} ({done.lines} lines); "
            "a closed month does not change: later differences appear as adjustments in the next open month"
        )
    (open_lines,) = marts_for(settings).rows(
        f"select count(*) as lines from {FOCUS_MART} where billing_month_start_date = $month",
        {"month": month.start},
    )
    if not open_lines["lines"]:
        raise ReportError(
            f"no chargeback lines for {month} to close; pick another month or run `spanledger build`"
        )
    closed_at = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    result = run_dbt(
        settings,
        # the closed lines and the lines that read them, with their tests (not the whole DAG's)
        ["build", "--select", "fct_chargeback_closed_lines", "fct_chargeback_focus_monthly"],
        vars={"close_month": str(month), "closed_by": closed_by, "closed_at": closed_at.isoformat(sep=" ")},
        lock_timeout=lock_timeout,
    )
    if not result.success:
        failed = ", ".join(result.failures[:5]) or result.summary
        raise ReportError(f"closing {month} failed ({failed}); nothing was closed; see {result.log_path}")
    done = closed_month(settings, month)
    if done is None or done.lines != open_lines["lines"]:
        raise ReportError(
            f"closing {month} wrote {done.lines if done else 0} lines, not {open_lines['lines']}"
        )
    return done
