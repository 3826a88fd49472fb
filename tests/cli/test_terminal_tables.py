"""Terminal tables never cut a value (issue 23, item 3): through the real entry point, in a real
terminal of 80 and 120 columns, and as CSV when stdout is not a terminal."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from rich.console import Console

from orchestration.terminal_tables import cell_text, print_rows
from tests.cli.terminal import in_terminal
from tests.hostile_data import spanledger

# Values as long as real ones: a trace id, a 19-digit count, money with nine decimals, a timestamp.
WIDE_SQL = """
select
    '4bf92f3577b34da6a3ce929d0e0e4736' as trace_id,
    1234567890123456789 as big_count,
    cast(12345.678901234 as decimal(38, 9)) as cost_usd,
    cast(0 as decimal(38, 9)) as zero_cost_usd,
    cast(9610 as double) as weighted_requests,
    timestamp '2026-03-01 12:34:56.789' as started_at,
    date '2026-03-01' as day,
    'a description long enough that it has to wrap inside its column on a narrow terminal' as note
"""
ATOMS = (
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "1234567890123456789",
    "12345.678901234",
    "2026-03-01 12:34:56.789000",
    "2026-03-01",
)


@pytest.mark.parametrize("columns", [80, 120])
def test_query_prints_every_value_whole(hostile, columns: int) -> None:
    code, text = in_terminal("--data-dir", str(hostile), "query", WIDE_SQL, columns=columns)
    assert code == 0, text
    assert "…" not in text
    lines = text.splitlines()
    for atom in ATOMS:
        assert any(atom in line for line in lines), f"{atom} cut at {columns} columns:\n{text}"
    assert all(len(line) <= columns for line in lines), text
    assert "0.00" in text and "0E-9" not in text
    assert "9610" in text and "9610.0" not in text
    words = " ".join(text.split())
    assert "wrap inside its column on a narrow terminal" in words or "narrow terminal" in text


@pytest.mark.parametrize("columns", [80, 120])
def test_marts_and_status_are_whole_at_any_width(hostile, columns: int) -> None:
    sql = (
        "select cost_date, tenant_id, model, request_count, total_cost_usd, calculated_cost_usd "
        "from finops.fct_llm_costs_daily order by total_cost_usd desc limit 5"
    )
    code, text = in_terminal("--data-dir", str(hostile), "query", sql, columns=columns)
    assert code == 0, text
    csv_proc = spanledger(hostile, "query", sql, "--format", "csv")
    expected = [line.split(",") for line in csv_proc.stdout.splitlines()[1:]]
    assert len(expected) == 5
    for row in expected:
        for value in (row[0], row[3], row[4], row[5]):  # date, count, money: never cut
            assert value in text, f"{value} missing at {columns} columns:\n{text}"
    assert "…" not in text

    code, status = in_terminal("--data-dir", str(hostile), "status", columns=columns)
    assert code == 0 and "…" not in status
    assert "metric_points" in status and "Lake rows" in status


def test_not_a_terminal_prints_csv(hostile) -> None:
    proc = spanledger(hostile, "query", WIDE_SQL)  # captured: stdout is a pipe
    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.splitlines()[:2]
    assert header.startswith("trace_id,big_count,cost_usd,zero_cost_usd,weighted_requests")
    assert row.startswith("4bf92f3577b34da6a3ce929d0e0e4736,1234567890123456789,12345.678901234,0.00,9610,")
    assert "┃" not in proc.stdout and "│" not in proc.stdout


def test_cell_text_shows_what_values_are() -> None:
    assert cell_text(Decimal("0E-9")) == "0.00"
    assert cell_text(Decimal("1.500000000")) == "1.50"
    assert cell_text(Decimal("12")) == "12"
    assert cell_text(9610.0) == "9610"
    assert cell_text(1e-07) == "0.0000001"
    assert cell_text(None) == "" and cell_text(True) == "true"


def test_too_wide_rows_turn_vertical_and_keep_every_value() -> None:
    names = [f"column_number_{i}" for i in range(8)]
    row = [f"{i}" * 20 for i in range(8)]
    buffer = StringIO()
    print_rows(Console(file=buffer, width=80, force_terminal=True, color_system=None), names, [row])
    text = buffer.getvalue()
    assert "row 1" in text
    for name, value in zip(names, row, strict=True):
        assert any(name in line and value in line for line in text.splitlines()), text
