"""Closing a month and repricing on BigQuery (the emulator), as on DuckDB.

The build of test_dbt_bigquery.py (session fixtures, conftest.py) and its DuckDB twin get the same
story: `spanledger report chargeback --close` books the first month, late calls land for it, both
warehouses rebuild. The booked rows do not move, the late usage appears as Adjustment lines of the next
open month, and the two warehouses give the same report files (money aside, as test_dbt_bigquery.py
explains). Then both are built with an older price list and `spanledger prices refresh` prints the same
diff from both, the BigQuery one repriced in scratch datasets that are gone afterwards.
This module changes the shared build: it sorts after test_dbt_bigquery.py, which only reads it.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.reports.chargeback import Month
from orchestration.reports.focus import COLUMNS
from orchestration.reports.marts import BigQueryMarts, DuckDBMarts
from orchestration.reports.publish import make_chargeback_report
from orchestration.warehouse.bigquery.loader import DayLoader
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.bigquery.dbt_emulator import project_dbt
from tests.bigquery.test_dbt_bigquery import _not_money
from tests.reports.closing import close_month
from tests.reports.price_change import OLD_PRICE, SEEDS, old_seeds, printed_diff, reprice_duckdb

CLOSED_SQL = "select * from finops.fct_chargeback_closed_lines order by chargeback_line_id"


def _report_rows(marts, month: Month, out) -> list[dict]:
    money = {c for c, kind in COLUMNS.items() if kind.startswith("decimal") and "Quantity" not in c}
    money.add("x_IsCostSplitEstimated")
    files = make_chargeback_report(marts, month, out)
    with files.csv.open(newline="", encoding="utf-8") as f:
        return [{k: v for k, v in r.items() if k not in money} for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def closed_then_late(dbt_build, bq_client, duckdb_twin, tmp_path_factory):
    """Both warehouses: the first month closed, then late calls of its first day landed and rebuilt."""
    config = dbt_build.config
    bq_dir = tmp_path_factory.mktemp("bq-cli")
    env = dbt_build.cli_env(bq_dir)
    bigquery = BigQueryMarts(config, bq_client)
    duck = DuckDBMarts(duckdb_twin.warehouse_path)
    (first,) = bigquery.rows(
        "select min(billing_month_start_date) as m from finops.fct_chargeback_focus_monthly"
    )
    month = Month(first["m"])
    out = tmp_path_factory.mktemp("closing")
    on_bigquery = close_month(bq_dir, month, out / "bigquery", env)
    duckdb_env = {k: v for k, v in env.items() if not k.startswith("SPANLEDGER_")}
    on_duckdb = close_month(duckdb_twin.data_dir, month, out / "duckdb", duckdb_env)
    booked = bigquery.rows(CLOSED_SQL)

    (late_day,) = bigquery.rows(
        "select cast(min(charge_period_start_date) as string) as d from finops.fct_chargeback_focus_monthly"
    )
    generate(
        GeneratorConfig(
            out_dir=duckdb_twin.inbox_dir,
            days=1,
            start_date=date.fromisoformat(late_day["d"]),
            tenants=3,
            requests_per_day=15,
            seed=77,
            include_claude_code=False,
        )
    )
    land(duckdb_twin, [duckdb_twin.inbox_dir], settle_seconds=0, workers=1)
    DayLoader(bq_client, config, duckdb_twin).load_days([late_day["d"]])
    rebuilt = project_dbt(
        dbt_build,
        bq_dir,
        "run",
        "--full-refresh",
        "--select",
        "+fct_chargeback_focus_monthly",
        "+fct_chargeback_breakdowns_monthly",
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    result = run_dbt_build(duckdb_twin, min_date=late_day["d"], max_date=late_day["d"])
    assert result.success, f"{result.summary} {result.failures}\n{result.output_tail}"
    return month, on_bigquery, on_duckdb, booked, bigquery, duck


def test_a_month_closes_on_bigquery_and_stays_booked(closed_then_late) -> None:
    month, on_bigquery, on_duckdb, booked, bigquery, _ = closed_then_late
    assert on_bigquery["closed_by"] == "Finance Bot" and on_bigquery["rows"] == on_duckdb["rows"] > 0
    assert len(booked) == on_bigquery["rows"]
    assert bigquery.rows(CLOSED_SQL) == booked  # not a cent, not a token moved
    again = bigquery.rows(
        "select count(*) as n from finops.fct_chargeback_focus_monthly "
        "where billing_month_start_date = $m and is_month_closed",
        {"m": month.start},
    )
    assert again[0]["n"] == len(booked)


def test_late_usage_is_an_adjustment_of_the_next_open_month_on_both(closed_then_late, tmp_path) -> None:
    month, _, _, _, bigquery, duck = closed_then_late
    sql = (
        "select billing_month_start_date, count(*) as lines, sum(consumed_tokens) as tokens "
        "from finops.fct_chargeback_focus_monthly where charge_category = 'Adjustment' "
        "and adjusted_month_start_date = $m group by 1"
    )
    (adjusted,) = bigquery.rows(sql, {"m": month.start})
    assert adjusted["billing_month_start_date"] == month.next.start and adjusted["tokens"] > 0
    assert duck.rows(sql, {"m": month.start}) == [adjusted]
    lines = (
        "select * from finops.fct_chargeback_focus_monthly where billing_month_start_date = $m order by "
        "charge_category, tenant_id, feature, team, provider, model, service_tier, usage_type"
    )
    for shown in (month, month.next):  # the booked month and the month its adjustments are billed in
        on_duckdb = duck.rows(lines, {"m": shown.start})
        on_bigquery = bigquery.rows(lines, {"m": shown.start})
        assert on_duckdb and len(on_bigquery) == len(on_duckdb)
        for d, b in zip(on_duckdb, on_bigquery, strict=True):
            d, b = _not_money(d), _not_money(b)
            d.pop("closed_at"), b.pop("closed_at")  # each warehouse was closed at its own second
            assert b == d, {k: (b[k], v) for k, v in d.items() if b[k] != v}
    # the report of the booked month; the next one holds adjustments only, which the report refuses on both
    from_duckdb = _report_rows(duck, month, tmp_path / "duckdb")
    from_bigquery = _report_rows(bigquery, month, tmp_path / "bigquery")
    assert from_duckdb and len(from_bigquery) == len(from_duckdb)
    for d, b in zip(from_duckdb, from_bigquery, strict=True):
        assert b == d, {k: (b[k], v) for k, v in d.items() if b[k] != v}


MONEY = ("old_cost_usd", "new_cost_usd", "change_usd", "old_list_usd", "new_list_usd")
SCRATCH = "dbt_price_refresh"  # the build's dataset `dbt` + reprice_bigquery.SCRATCH_SUFFIX


def _refresh(data_dir, seeds, env, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "--data-dir", str(data_dir), "prices", "refresh",
         "--seeds-dir", str(seeds), *options],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def _datasets(bq_client, project: str) -> dict[str, dict[str, tuple]]:
    """The build's datasets (dbt, dbt_<layer>, and any scratch one): each table's creation (a replaced table is
    a new one), last change and rows."""
    found = {}
    for dataset in bq_client.list_datasets(project):
        if dataset.dataset_id.startswith("dbt"):
            tables = (bq_client.get_table(t) for t in bq_client.list_tables(dataset.dataset_id))
            found[dataset.dataset_id] = {t.table_id: (t.created, t.modified, t.num_rows) for t in tables}
    return found


@pytest.fixture(scope="module")
def old_prices_on_both(closed_then_late, dbt_build, bq_client, duckdb_twin, tmp_path_factory):
    """Both warehouses (a month closed, late data) as built with the older price list of price_change.py."""
    project = dbt_build.config.project
    bq_client.query(
        f"update `{project}.dbt_reference.model_prices` set input_usd_per_mtok = input_usd_per_mtok * 2 "
        f"where {OLD_PRICE}"
    ).result()
    bq_dir = tmp_path_factory.mktemp("bq-refresh")
    rebuilt = project_dbt(
        dbt_build, bq_dir, "run", "--full-refresh", "--select", "model_prices+,+fct_chargeback_focus_monthly"
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    reprice_duckdb(duckdb_twin, "* 2")
    return old_seeds(tmp_path_factory.mktemp("old-seeds")), bq_dir


def test_price_refresh_diff_on_bigquery_is_duckdbs_and_leaves_the_live_datasets_alone(
    old_prices_on_both, closed_then_late, dbt_build, bq_client, duckdb_twin
) -> None:
    seeds, bq_dir = old_prices_on_both
    month, *_, bigquery, _ = closed_then_late
    env = dbt_build.cli_env(bq_dir)
    live = _datasets(bq_client, dbt_build.config.project)
    on_bigquery = _refresh(bq_dir, seeds, env, "--dry-run")
    assert on_bigquery.returncode == 0, on_bigquery.stderr[-3000:] + on_bigquery.stdout[-3000:]
    on_duckdb = _refresh(
        duckdb_twin.data_dir,
        seeds,
        {k: v for k, v in env.items() if not k.startswith("SPANLEDGER_")},
        "--dry-run",
    )
    assert on_duckdb.returncode == 0, on_duckdb.stderr[-3000:] + on_duckdb.stdout[-3000:]

    diff = {k: tuple(Decimal(row[c]) for c in MONEY) for k, row in printed_diff(on_bigquery.stdout).items()}
    expected = {k: tuple(Decimal(row[c]) for c in MONEY) for k, row in printed_diff(on_duckdb.stdout).items()}
    assert diff == expected
    open_months = bigquery.rows(
        "select distinct strftime(billing_month_start_date, '%Y-%m') as m, tenant_id "
        "from finops.fct_chargeback_focus_monthly where not is_month_closed"
    )
    assert set(diff) == {(r["m"], r["tenant_id"]) for r in open_months}  # the closed month stays as booked
    assert str(month) not in {m for m, _ in diff}
    assert any(change < 0 for _, _, change, _, _ in diff.values())  # gpt-4o-mini's input got cheaper
    assert _datasets(bq_client, dbt_build.config.project) == live  # nothing written, no scratch left
    assert (seeds / "model_prices.csv").read_bytes() != (SEEDS / "model_prices.csv").read_bytes()  # dry run


def test_a_failed_reprice_on_bigquery_publishes_nothing_and_drops_its_scratch_datasets(
    old_prices_on_both, dbt_build, bq_client
) -> None:
    seeds, bq_dir = old_prices_on_both
    live = _datasets(bq_client, dbt_build.config.project)
    # a type BigQuery does not know: the repriced models fail in the scratch datasets, after the seeds
    env = {**dbt_build.cli_env(bq_dir), "SPANLEDGER_BQ_NUMERIC_TYPE": "no_such_numeric"}
    proc = _refresh(bq_dir, seeds, env, "--yes")
    assert proc.returncode == 1, proc.stderr[-3000:] + proc.stdout[-3000:]
    error = " ".join(proc.stderr.split())  # the console wraps long lines
    assert "repricing in scratch BigQuery datasets failed at `dbt run" in error
    assert f"{SCRATCH}_" in error  # dbt's log names the scratch relation it failed to build
    assert "nothing was published" in error and "published" not in proc.stdout
    assert (seeds / "model_prices.csv").read_bytes() != (SEEDS / "model_prices.csv").read_bytes()
    assert _datasets(bq_client, dbt_build.config.project) == live
