"""Finance closes January; late January data lands and January is repriced; January stays as booked.

The difference appears as Adjustment lines of February (the next open month), the lines of January and
its adjustments still add up exactly to January's calls, and closing February books those adjustments
so that they are not billed again. The warehouse is made one that booked January before the line column
service_tier existed: the next build adds it ('standard') and changes nothing else.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.reports.chargeback import Month
from orchestration.reports.focus import check_rows
from orchestration.reports.html_parts import usd
from orchestration.reports.publish import make_chargeback_report
from orchestration.reports.reconcile import reconcile
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import date_vars, warehouse_write_lock
from tests.built_once import built_once, private_copy
from tests.reports.closing import close_month
from tests.reports.conftest import _build, add_contract, rebuild_chargeback
from tests.reports.test_docs_and_cli import _cli

JANUARY, FEBRUARY = Month(date(2025, 1, 1)), Month(date(2025, 2, 1))


@pytest.fixture
def books(tmp_path_factory) -> Settings:
    golden = built_once(tmp_path_factory, "reports-golden", _build)
    return Settings.from_env(private_copy(golden, tmp_path_factory.mktemp("books") / "data"))


def _query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _lines(settings: Settings, month: Month) -> list[tuple]:
    return _query(
        settings,
        "select * exclude (closed_at) from finops.fct_chargeback_focus_monthly "
        "where billing_month_start_date = ? order by chargeback_line_id",
        [month.start],
    )


def _land_late_january_and_reprice(settings: Settings) -> None:
    generate(
        GeneratorConfig(
            out_dir=settings.inbox_dir,
            days=1,
            start_date=date(2025, 1, 30),
            requests_per_day=12,
            seed=77,
            include_claude_code=False,
        )
    )
    land(settings, settle_seconds=0)
    # repricing: a 20% OpenAI discount negotiated for January, after the month was closed (in the seed's
    # table: a build without seeds keeps it), then one build of January's days for both changes, of
    # what the chargeback reads (tests whose every parent is built)
    add_contract(settings, "('openai', null, null, 20, date '2025-01-01', date '2025-02-01', 'late-deal')")
    rebuild_chargeback(
        settings,
        "+fct_chargeback_monthly",  # with the test that its billed cost is the FOCUS lines', adjustments included
        "assert_chargeback_monthly_billed_matches_focus",
        extra=("--indirect-selection", "cautious"),
        vars=date_vars("2025-01-26", "2025-01-31"),
    )


def _month_sum(settings: Settings, table: str, month: Month, where: str = "true") -> Decimal:
    (value,) = _query(
        settings,
        f"select coalesce(sum(billed_cost_usd), 0) from {table} where {where} "
        "and billing_month_start_date = ?",
        [month.start],
    )[0:1][0]
    return value


def _closed_line_columns(settings: Settings) -> list[str]:
    return [
        c
        for (c,) in _query(settings, "select column_name from (describe finops.fct_chargeback_closed_lines)")
    ]


def _closed_lines(settings: Settings, columns: list[str]) -> list[tuple]:
    """Every booked row, its columns by name (a column added to an older table comes last)."""
    return _query(
        settings,
        f"select {', '.join(columns)} from finops.fct_chargeback_closed_lines order by chargeback_line_id",
    )


def _card(html: Path, ident: str) -> str:
    """The text of one headline card of a report page."""
    page = html.read_text()
    start = page.index(f'id="{ident}"')
    return page[start : page.index("</div></div>", start)]


def _book_before_service_tiers(settings: Settings) -> None:
    """As a warehouse that closed months before service tiers: its closed lines lack the column."""
    with warehouse_write_lock(settings), duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("alter table finops.fct_chargeback_closed_lines drop column service_tier")


def test_closed_month_stays_booked_and_changes_come_as_adjustments(books, tmp_path) -> None:
    closed = close_month(books.data_dir, JANUARY, tmp_path)
    assert closed["closed_by"] == "Finance Bot" and closed["rows"] > 0
    booked = _lines(books, JANUARY)
    assert len(booked) == closed["rows"] and {r[5] for r in booked} == {"Usage"}
    columns = _closed_line_columns(books)
    booked_lines = _closed_lines(books, columns)
    assert {r[columns.index("service_tier")] for r in booked_lines} == {"standard"}
    _book_before_service_tiers(books)
    assert "service_tier" not in _closed_line_columns(books)

    again = _cli(books.data_dir, "report", "chargeback", "--close", str(JANUARY), "--out", str(tmp_path))
    assert again.returncode != 0 and "2025-01 was closed on" in again.stderr and "Finance Bot" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

    _land_late_january_and_reprice(books)  # the build adds service_tier back, 'standard' for booked rows
    assert _closed_line_columns(books) == [c for c in columns if c != "service_tier"] + ["service_tier"]
    assert _closed_lines(books, columns) == booked_lines
    assert _lines(books, JANUARY) == booked  # not a cent, not a token moved

    adjustments = _query(
        books,
        "select sum(billed_cost_usd), count(*), count_if(billed_cost_usd > 0), count_if(billed_cost_usd < 0), "
        "sum(consumed_tokens) from finops.fct_chargeback_focus_monthly "
        "where charge_category = 'Adjustment' and adjusted_month_start_date = ? and billing_month_start_date = ?",
        [JANUARY.start, FEBRUARY.start],
    )[0]
    total, count, positive, negative, tokens = adjustments
    assert (
        count > 0 and positive > 0 and negative > 0 and tokens > 0
    )  # late calls add, the discount takes off
    january_now = _month_sum(books, "intermediate.int_chargeback_usage_lines", JANUARY)
    january_booked = _month_sum(books, "finops.fct_chargeback_focus_monthly", JANUARY)
    assert january_booked + total == january_now  # exactly
    (calls_now,) = _query(
        books,
        "select sum(billed_cost_usd) from intermediate.int_llm_calls_charged "
        "where call_date between '2025-01-01' and '2025-01-31'",
    )[0]
    assert january_now == calls_now
    (monthly_billed,) = _query(
        books,
        "select sum(billed_cost_usd) from finops.fct_chargeback_monthly where month_start_date = ?",
        [JANUARY.start],
    )[0]
    assert monthly_billed == january_now  # the monthly mart bills January as booked plus its adjustments

    files = make_chargeback_report(books.warehouse_path, FEBRUARY, tmp_path / "reports")
    with files.csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert check_rows(rows, reader.fieldnames) == []
    assert sum(Decimal(r["BilledCost"]) for r in rows if r["x_AdjustedMonth"] == "2025-01") == total
    assert reconcile(books.warehouse_path, FEBRUARY, files.csv) == []
    assert "adjustment lines of the closed months 2025-01" in files.html.read_text()
    # the HTML shows what the CSV bills beside the calls: February's calls plus January's adjustments, and
    # January as booked, not as its calls say now
    invoiced = _card(files.html, "invoiced")
    assert usd(sum(Decimal(r["BilledCost"]) for r in rows)) in invoiced and usd(total) in invoiced
    january_html = make_chargeback_report(books.warehouse_path, JANUARY, tmp_path / "reports").html
    booked_card = _card(january_html, "invoiced")
    assert usd(january_booked) in booked_card and f"the calls now say {usd(january_now)}" in booked_card

    # closing February books January's adjustments with it: nothing is left to bill again
    close_month(books.data_dir, FEBRUARY, tmp_path)
    assert {r[5] for r in _lines(books, FEBRUARY)} == {"Usage", "Adjustment"}
    assert _query(
        books,
        "select count(*) from finops.fct_chargeback_focus_monthly "
        "where charge_category = 'Adjustment' and not is_month_closed",
    ) == [(0,)]
