"""Finance's story: build the warehouse, make February's chargeback, check it is FOCUS and adds up."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq

from orchestration.reports.chargeback import Month
from orchestration.reports.focus import COLUMNS, check_rows
from orchestration.reports.publish import make_chargeback_report
from orchestration.reports.reconcile import reconcile
from tests.reports.conftest import REPORT_MONTH


def _read_csv(path):
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def _mart(settings, sql, params):
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params).fetchone()


def test_csv_passes_the_focus_column_check(report) -> None:
    columns, rows = _read_csv(report.csv)
    assert rows, "the report month has usage"
    assert check_rows(rows, columns) == []
    assert {r["ServiceCategory"] for r in rows} == {"AI and Machine Learning"}
    assert {r["BillingCurrency"] for r in rows} == {"USD"}
    assert {r["BillingPeriodStart"] for r in rows} == {"2025-02-01T00:00:00Z"}
    assert {r["BillingPeriodEnd"] for r in rows} == {"2025-03-01T00:00:00Z"}
    for row in rows:  # money is an exact decimal string, never a float repr
        assert "e" not in row["BilledCost"].lower() and len(row["BilledCost"].split(".")[1]) == 9
        assert json.loads(row["Tags"])["feature"] == row["x_Feature"]


def test_the_checker_catches_what_focus_forbids(report) -> None:
    columns, rows = _read_csv(report.csv)
    bad = dict(rows[0], BilledCost="-1.00", BillingCurrency="", ChargePeriodStart="2025-01-31T00:00:00Z")
    problems = check_rows([bad], [c for c in columns if c != "ListCost"])
    text = " | ".join(problems)
    for expected in (
        "missing columns: ListCost",
        "BilledCost is negative",
        "BillingCurrency is empty",
        "not inside BillingPeriod",
    ):
        assert expected in text, text


def test_one_row_per_tenant_feature_provider_model_usage_type(report) -> None:
    _, rows = _read_csv(report.csv)
    keys = Counter(
        (r["x_TenantId"], r["x_Feature"], r["x_Team"], r["x_ProviderId"], r["x_Model"], r["x_UsageType"])
        for r in rows
    )
    assert max(keys.values()) == 1
    assert {r["x_UsageType"] for r in rows} >= {"input", "output", "cached_input"}


def test_csv_reconciles_with_the_mart_to_the_cent(warehouse, report) -> None:
    assert reconcile(warehouse.warehouse_path, REPORT_MONTH, report.csv) == []
    _, rows = _read_csv(report.csv)
    (mart_total,) = _mart(
        warehouse,
        "select sum(total_cost_usd) from finops.fct_chargeback_monthly where month_start_date = ?",
        [REPORT_MONTH.start],
    )
    exported = sum(Decimal(r["BilledCost"]) for r in rows)
    assert exported == mart_total  # exactly, not only to the cent
    assert exported > 0
    assert report.total_cost_usd == mart_total


def test_token_columns_add_up_to_the_mart(warehouse, report) -> None:
    _, rows = _read_csv(report.csv)
    mart = _mart(
        warehouse,
        "select sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens), "
        "sum(cache_read_tokens), sum(output_tokens) from finops.fct_llm_costs_daily "
        "where cost_date >= ? and cost_date < ?",
        [REPORT_MONTH.start, REPORT_MONTH.end],
    )
    assert (
        sum(int(r["x_InputTokens"]) for r in rows),
        sum(int(r["x_CachedTokens"]) for r in rows),
        sum(int(r["x_OutputTokens"]) for r in rows),
    ) == tuple(int(v) for v in mart)


def test_parquet_copy_holds_the_same_typed_rows(report) -> None:
    table = pq.read_table(report.parquet)
    assert table.column_names == list(COLUMNS)
    assert str(table.schema.field("BilledCost").type) == "decimal128(38, 9)"
    assert str(table.schema.field("ChargePeriodStart").type).endswith("tz=UTC]")  # Parquet stores ms
    _, rows = _read_csv(report.csv)
    assert table.num_rows == len(rows)
    assert sum(table.column("BilledCost").to_pylist()) == sum(Decimal(r["BilledCost"]) for r in rows)


def test_rerun_replaces_the_month_folder_whole(warehouse, report) -> None:
    again = make_chargeback_report(warehouse.warehouse_path, REPORT_MONTH, report.folder.parent)
    assert again.csv.read_bytes() == report.csv.read_bytes()
    assert sorted(p.name for p in report.folder.parent.iterdir()) == [str(REPORT_MONTH)]  # no temp left
    assert sorted(p.name for p in again.folder.iterdir()) == sorted(
        ["chargeback-2025-02.csv", "chargeback-2025-02.parquet", "chargeback-2025-02.html", "summary.json"]
    )


def test_month_parsing() -> None:
    assert Month.parse("2024-02").days == 29
    assert str(Month.parse("2025-01").previous) == "2024-12"
