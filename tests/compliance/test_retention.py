"""Retention with a fake clock: exactly the expected partitions and rows go (per tenant), the schema
files and FinOps totals stay, a dry run changes nothing, the ledger records both runs, and the dbt
retention test is red before the job ran and green after."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.compliance.ledger import Ledger
from orchestration.lake.schema import QUARANTINE, RESTRICTED_CONTENT
from orchestration.lake.writer import write_table_atomically
from orchestration.warehouse.dbt_runner import run_dbt
from tests.compliance.conftest import settings_for, spanledger

pytestmark = pytest.mark.slow
NOW = "2026-04-03"
LAKE = ("spans", "span_events", "span_links", "logs", "metric_points")


def _lake_counts(data_dir: Path) -> dict[tuple[str, str, str | None], int]:
    out = {}
    with duckdb.connect() as con:
        for table in LAKE:
            files = [str(p) for p in (data_dir / "lake" / table).glob("date=*/*.parquet")]
            for day, tenant, n in con.execute(
                f"select date::varchar, tenant_id, count(*) from read_parquet({files!r}, hive_partitioning=true, "
                "union_by_name=true) group by all"
            ).fetchall():
                out[(table, day, tenant)] = n
    return out


def _snapshot(data_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*.parquet"))
        if "state" not in p.parts
    }


def _warehouse(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_retention_with_a_fake_clock(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    tenants = sorted(
        t
        for (t,) in _warehouse(
            data_dir,
            "select distinct tenant_id from intermediate.int_spans_attributed where tenant_id is not null",
        )
    )
    keeper, short_facts = tenants[0], tenants[1]
    (data_dir / "retention.toml").write_text(
        f'[retention]\ncontent = 60\n\n[retention.tenants."{keeper}"]\nraw = 32\n\n'
        f'[retention.tenants."{short_facts}"]\nfacts = 31\n'
    )
    # cutoffs on NOW = 2026-04-03: raw 03-04 (keeper 03-02), facts 2025-03-0x (short_facts 03-03), content 02-02
    write_table_atomically(
        pa.Table.from_pylist([{"source_path": "x", "reason": "old", "records": 1}], schema=QUARANTINE),
        data_dir / "quarantine" / "date=2026-02-20" / "old.parquet",
    )
    content_rows = [
        {
            "source_table": "spans",
            "trace_id": f"{i:032x}",
            "content": f"prompt {i}",
            "event_at": datetime(2026, 3, 6, tzinfo=UTC),
            "tenant_id": keeper,
            "expires_at": datetime(2026, 3, 10, tzinfo=UTC) if i == 0 else datetime(2027, 1, 1, tzinfo=UTC),
        }
        for i in range(2)
    ]
    write_table_atomically(
        pa.Table.from_pylist(content_rows, schema=RESTRICTED_CONTENT),
        data_dir / "restricted" / "content" / "date=2026-03-06" / "planted.parquet",
    )

    lake = _lake_counts(data_dir)
    restricted_before = duckdb.sql(
        f"select count(*) from read_parquet('{data_dir}/restricted/content/*/*.parquet')"
    ).fetchall()[0][0]
    expected_lake_gone = {
        k: n for k, n in lake.items() if k[1] < ("2026-03-02" if k[2] == keeper else "2026-03-04")
    }
    spans_gone = _warehouse(
        data_dir,
        "select count(*) from intermediate.int_spans_attributed where span_date < "
        f"case when tenant_id = '{keeper}' then date '2026-03-02' else date '2026-03-04' end",
    )[0][0]
    calls_gone = _warehouse(
        data_dir,
        "select count(*) from intermediate.int_llm_calls_priced where "
        f"tenant_id = '{short_facts}' and call_date < date '2026-03-03'",
    )[0][0]
    finops = "select cost_date, tenant_id, sum(total_cost_usd), sum(llm_call_count) from finops.fct_llm_costs_daily group by all order by all"
    chargeback = "select * from finops.fct_chargeback_monthly order by all"
    finops_before, chargeback_before = _warehouse(data_dir, finops), _warehouse(data_dir, chargeback)
    assert spans_gone and calls_gone and expected_lake_gone

    # a dry run says what would go and changes nothing (it only puts the policy in force)
    files_before = _snapshot(data_dir)
    dry = json.loads(spanledger(data_dir, "retention", "apply", "--dry-run", "--now", NOW, "--json").stdout)
    assert _snapshot(data_dir) == files_before

    # the dbt test is red while the job has not run (staging views first point at this copy's lake)
    vars_ = {"compliance_today": NOW}
    assert run_dbt(settings, ["run", "--select", "staging"], vars=vars_).success
    red = run_dbt(settings, ["test", "--select", "assert_no_row_past_retention"], vars=vars_)
    assert not red.success and red.failures

    real = json.loads(spanledger(data_dir, "retention", "apply", "--now", NOW, "--json").stdout)
    assert dry["removed"] == real["removed"]

    removed = {r["target"]: r for r in real["removed"]}
    assert removed["lake/spans date=2026-03-01"]["kind"] == "partition"  # every tenant past retention
    assert removed["lake/spans date=2026-03-03"]["kind"] == "rows"  # the keeper's rows stay
    assert not (data_dir / "lake" / "spans" / "date=2026-03-01").exists()
    assert all((data_dir / "lake" / t / "date=1970-01-01" / "_schema.parquet").exists() for t in LAKE)
    lake_after = _lake_counts(data_dir)
    assert lake_after == {k: n for k, n in lake.items() if k not in expected_lake_gone}
    assert removed["quarantine date=2026-02-20"]["rows"] == 1
    assert removed["restricted/content date=2026-03-06"]["rows"] == 1  # its own expires_at
    assert (
        duckdb.sql(
            f"select count(*) from read_parquet('{data_dir}/restricted/content/*/*.parquet')"
        ).fetchall()[0][0]
        == restricted_before - 1
    )
    assert removed["warehouse:intermediate.int_spans_attributed"]["rows"] == spans_gone
    assert removed["warehouse:intermediate.int_llm_calls_priced"]["rows"] == calls_gone
    assert not any(t.startswith("warehouse:finops") for t in removed)
    assert (
        _warehouse(data_dir, finops) == finops_before
        and _warehouse(data_dir, chargeback) == chargeback_before
    )

    with Ledger(settings) as ledger:
        runs = ledger.retention_runs()
    assert [r["dry_run"] for r in runs] == [1, 0] and all(r["as_of"] == NOW for r in runs)
    assert json.loads(runs[1]["removed_json"]) == real["removed"]

    green = run_dbt(settings, ["test", "--select", "assert_no_row_past_retention"], vars=vars_)
    assert green.success, f"{green.summary} {green.failures}\n{green.output_tail}"
    assert date.fromisoformat(NOW)  # the fake clock never touched the real one
