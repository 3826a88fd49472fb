"""The analyst's story: every saved query in sql/ runs on the demo warehouse and returns rows."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.commands.query import used_parameters
from orchestration.commands.query_parameters import bind, declared_parameters

REPO = Path(__file__).resolve().parents[2]
SAVED_QUERIES = sorted((REPO / "sql").glob("*.sql"))
SCHEMAS = (
    "finops",
    "reliability",
    "evals",
    "metrics",
    "developer_tools",
    "quality",
    "intermediate",
    "reference",
    "staging",
)


def test_there_are_saved_queries() -> None:
    assert len(SAVED_QUERIES) >= 5


@pytest.mark.parametrize("path", SAVED_QUERIES, ids=lambda p: p.name)
def test_saved_query_runs_and_returns_rows(warehouse, path: Path) -> None:
    sql = path.read_text()
    defaults = bind(declared_parameters(sql, path.name), used_parameters(sql), {}, path.name)
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        rows = con.execute(sql, defaults or None).fetchall()
    assert rows, f"{path.name} returned no rows on the demo data"


def _query(warehouse, name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "--data-dir",
            str(warehouse.data_dir),
            "query",
            name,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_declared_parameters_filter_one_tenant_over_a_date_range(warehouse) -> None:
    everyone = _query(warehouse, "sql/tenant_cost_by_day.sql", "--format", "csv")
    assert everyone.returncode == 0, everyone.stderr
    all_rows = list(csv.DictReader(everyone.stdout.splitlines()))
    tenants = {r["tenant_id"] for r in all_rows}
    days = sorted({r["cost_date"] for r in all_rows})
    assert len(tenants) > 1 and len(days) > 3
    tenant, first, last = sorted(tenants)[0], days[1], days[-2]
    args = ("--var", f"tenant={tenant}", "--var", f"from_date={first}", "--var", f"to_date={last}")
    one = _query(warehouse, "tenant_cost_by_day.sql", *args, "--format", "csv")
    assert one.returncode == 0, one.stderr
    rows = list(csv.DictReader(one.stdout.splitlines()))
    expected = [r for r in all_rows if r["tenant_id"] == tenant and first <= r["cost_date"] <= last]
    assert rows == expected and rows


def test_unknown_missing_and_mistyped_parameters_are_errors(warehouse, tmp_path: Path) -> None:
    unknown = _query(warehouse, "sql/tenant_cost_by_day.sql", "--var", "tenant_id=acme")
    assert unknown.returncode == 2
    assert (
        "unknown parameter tenant_id" in unknown.stderr and "$tenant (text, default null)" in unknown.stderr
    )
    mistyped = _query(warehouse, "sql/tenant_cost_by_day.sql", "--var", "from_date=03/01/2025")
    assert mistyped.returncode == 2 and "not a date (YYYY-MM-DD)" in mistyped.stderr
    ignored_before = _query(warehouse, "sql/unpriced_models.sql", "--var", "tenant=acme")
    assert ignored_before.returncode == 2 and "takes no parameters" in ignored_before.stderr

    required = tmp_path / "one_tenant.sql"
    required.write_text(
        "-- Answers: one tenant's days.\n-- Parameters:\n--   $tenant text: the tenant id\n"
        "select cost_date from finops.fct_llm_costs_daily where tenant_id = $tenant\n"
    )
    missing = _query(warehouse, str(required))
    assert missing.returncode == 2 and "missing --var tenant=" in missing.stderr
    assert "$tenant (text, required): the tenant id" in missing.stderr
    undeclared = tmp_path / "undeclared.sql"
    undeclared.write_text("-- Parameters: none\nselect $day as day\n")
    proc = _query(warehouse, str(undeclared))
    assert proc.returncode == 2 and "uses $day without declaring it" in proc.stderr


@pytest.mark.parametrize("path", SAVED_QUERIES, ids=lambda p: p.name)
def test_saved_query_says_what_it_answers(path: Path) -> None:
    header = "\n".join(line for line in path.read_text().splitlines() if line.startswith("--"))
    assert header, f"{path.name} has no header comment"
    assert "Answers:" in header and "Parameters:" in header, (
        f"{path.name}: header lacks Answers: / Parameters:"
    )


def test_exposures_declare_what_each_saved_query_reads() -> None:
    exposures = yaml.safe_load((REPO / "dbt_project/models/exposures.yml").read_text())["exposures"]
    declared = {
        e["name"]: {re.sub(r"ref\('([^']+)'\)", r"\1", d) for d in e["depends_on"]} for e in exposures
    }
    assert "chargeback_report" in declared
    for path in SAVED_QUERIES:
        sql = re.sub(r"--[^\n]*", "", path.read_text())
        read = set(re.findall(rf"\b(?:{'|'.join(SCHEMAS)})\.(\w+)", sql))
        assert declared.get(f"saved_query_{path.stem}") == read, f"exposures.yml out of date for {path.name}"


def test_query_command_prints_csv_and_json(warehouse) -> None:
    saved = str(REPO / "sql/top_cost_drivers_this_month.sql")
    as_csv = _query(warehouse, saved, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.splitlines()[0].startswith("tenant_id,feature,model,provider,cost_usd")
    as_json = _query(warehouse, saved, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)[0]["cost_usd"] is not None
