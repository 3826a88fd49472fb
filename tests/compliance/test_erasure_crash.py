"""Erasure killed (SIGKILL, real subprocess) at every kind of point, and at random moments: the next
run completes it; no lake file is lost or half-written; the ledger says done only when it is."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.compliance.ledger import Ledger
from tests.compliance.conftest import REPO, settings_for, spanledger, subject_of

pytestmark = pytest.mark.slow
KILL_POINTS = ["discovered:1", "file_rewritten:2", "table_deleted:3", "before_compact:1", "warehouse_done:1"]


def _lake_state(data_dir: Path, subject: str, traces: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Per table: rows of other people (must never change) and rows of the subject."""
    others, mine = {}, {}
    with duckdb.connect() as con:
        con.execute("create table traces as select unnest(?) as trace_id", [sorted(traces)])
        for table in ("spans", "span_events", "span_links", "logs", "metric_points"):
            files = sorted((data_dir / "lake" / table).glob("date=*/*.parquet"))
            for f in files:
                pq.ParquetFile(f).read()  # every published file is whole
            relation = f"read_parquet({[str(f) for f in files]!r}, union_by_name=true)"
            has_trace = table != "metric_points"
            is_mine = f"user_hash = '{subject}'" + (
                " or trace_id in (select trace_id from traces)" if has_trace else ""
            )
            others[table], mine[table] = con.execute(
                f"select count(*) filter (where not coalesce({is_mine}, false)), "
                f"count(*) filter (where coalesce({is_mine}, false)) from {relation}"
            ).fetchone()
    return others, mine


def _pointers(data_dir: Path, subject: str, traces: set[str]) -> dict[str, int]:
    """Other people's rows pointing to the subject's traces: span links to them, metric exemplars."""
    with duckdb.connect() as con:
        con.execute("create table traces as select unnest(?) as trace_id", [sorted(traces)])
        points_to = {
            "span_links": "linked_trace_id in (select trace_id from traces) "
            "and trace_id not in (select trace_id from traces)",
            "metric_points": "list_has_any(json_extract_string(exemplars, '$[*].trace_id'), "
            "(select list(trace_id) from traces))",
        }
        return {
            f"lake/{table} pointers cleared": con.execute(
                f"select count(*) from read_parquet('{data_dir}/lake/{table}/*/*.parquet') "
                f"where coalesce(user_hash, '') <> '{subject}' and {where}"
            ).fetchone()[0]
            for table, where in points_to.items()
        }


def _status(data_dir: Path) -> str:
    with Ledger(settings_for(data_dir)) as ledger:
        [request] = ledger.requests()
    return request["status"]


def test_killed_erasure_is_completed_by_the_next_run(data_dir: Path) -> None:
    raw, subject = subject_of(data_dir)
    traces = {
        t
        for (t,) in duckdb.sql(
            f"select distinct trace_id from read_parquet('{data_dir}/lake/spans/*/*.parquet') "
            f"where user_hash = '{subject}'"
        ).fetchall()
    }
    others_before, mine_before = _lake_state(data_dir, subject, traces)
    pointers = {k: n for k, n in _pointers(data_dir, subject, traces).items() if n}
    assert pointers, "other people's rows point to the subject's traces"
    assert sum(mine_before.values()) > 50
    spanledger(data_dir, "erase", "--user", raw, "--queue")
    cli = str(Path(sys.executable).parent / "spanledger")

    for point in KILL_POINTS:
        proc = spanledger(data_dir, "erase", "--resume", env={"SPANLEDGER_TEST_KILL_AT": point}, check=False)
        assert proc.returncode == -signal.SIGKILL, (point, proc.stdout[-2000:], proc.stderr[-2000:])
        others, _ = _lake_state(data_dir, subject, traces)
        assert others == others_before, f"killed at {point}: other people's rows changed"
        assert _status(data_dir) != "done", f"killed at {point}: the ledger must not say done"

    rng = random.Random(5)
    for _ in range(2):  # and at moments nobody chose
        proc = subprocess.Popen(
            [cli, "--data-dir", str(data_dir), "erase", "--resume"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 2.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        others, _ = _lake_state(data_dir, subject, traces)
        assert others == others_before

    done = spanledger(data_dir, "erase", "--resume", "--json")
    results = json.loads(done.stdout)
    assert [r["status"] for r in results] in ([], ["done"])  # a random kill may have come after "done"
    assert _status(data_dir) == "done"
    others, mine = _lake_state(data_dir, subject, traces)
    assert others == others_before and sum(mine.values()) == 0
    with Ledger(settings_for(data_dir)) as ledger:
        [request] = ledger.requests()
    removed = json.loads(request["rows_removed_json"])
    # exact counts across five interrupted runs: every removal was counted once
    assert removed["lake/spans"] == mine_before["spans"]
    rows = {k: v for k, v in removed.items() if k.startswith("lake/") and not k.endswith("pointers cleared")}
    assert sum(rows.values()) == sum(mine_before.values())
    assert {k: v for k, v in removed.items() if k.endswith("pointers cleared")} == pointers
    assert _pointers(data_dir, subject, traces) == dict.fromkeys(_pointers(data_dir, subject, traces), 0)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            f"select count(*) from intermediate.int_llm_calls_priced where user_hash = '{subject}'"
        ).fetchone() == (0,)
    assert not list(data_dir.glob(".warehouse.duckdb.*")) and not list(data_dir.rglob("lake/**/.*.tmp"))
