"""The analyst's story: every saved query in sql/ runs on the demo warehouse and returns rows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SAVED_QUERIES = sorted((REPO / "sql").glob("*.sql"))
SCHEMAS = ("finops", "reliability", "evals", "metrics", "intermediate", "reference", "staging")


def test_there_are_saved_queries() -> None:
    assert len(SAVED_QUERIES) >= 5


@pytest.mark.parametrize("path", SAVED_QUERIES, ids=lambda p: p.name)
def test_saved_query_runs_and_returns_rows(warehouse, path: Path) -> None:
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        rows = con.execute(path.read_text()).fetchall()
    assert rows, f"{path.name} returned no rows on the demo data"


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
    base = [
        sys.executable,
        "-m",
        "orchestration.cli",
        "--data-dir",
        str(warehouse.data_dir),
        "query",
        str(REPO / "sql/top_cost_drivers_this_month.sql"),
    ]
    as_csv = subprocess.run(
        [*base, "--format", "csv"], capture_output=True, text=True, timeout=120, check=True
    )
    assert as_csv.stdout.splitlines()[0].startswith("tenant_id,feature,model,provider,cost_usd")
    as_json = subprocess.run(
        [*base, "--format", "json"], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(as_json.stdout)[0]["cost_usd"] is not None
