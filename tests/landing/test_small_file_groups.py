"""A backlog of small files is decoded several files a task: the same rows and the same per-file
manifest as one task a file, fewer lake files, and a crash mid-publish is rolled forward for all."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb

import orchestration.landing as landing
from orchestration.generator import GeneratorConfig, generate
from orchestration.lake.compaction import sources_of
from orchestration.landing import land
from orchestration.manifest import Manifest
from orchestration.quality.lake_scan import scan_lake
from orchestration.settings import Settings
from tests.landing.conftest import lake_rows, quarantine_rows
from tests.landing.test_exactly_once import KILLED_MID_PUBLISH  # publishes one output, then SIGKILL

TABLES = ("spans", "span_events", "span_links", "logs", "metric_points")


def _small_backlog(inbox: Path) -> int:
    summary = generate(
        GeneratorConfig(
            out_dir=inbox,
            days=2,
            start_date=date(2025, 11, 20),
            tenants=3,
            requests_per_day=120,
            seed=5,
            traces_per_file=10,
        )
    )
    first = sorted(inbox.glob("traces-*.jsonl"))[0]
    with open(first, "a") as fh:
        fh.write('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "abc"}]}]}]}\n{broken\n')
    return summary.spans


def _rows(settings: Settings, table: str) -> list[tuple]:
    pattern = str(settings.lake_dir / table / "date=*" / "*.parquet")
    with duckdb.connect() as con:
        return con.execute(
            f"select * from read_parquet('{pattern}', union_by_name=true) order by all"
        ).fetchall()


def _manifest_rows(settings: Settings) -> dict[str, tuple]:
    manifest = Manifest(settings.manifest_path)
    try:
        return {
            Path(f["path"]).name: (
                f["file_id"],
                f["records_in"],
                f["records_landed"],
                f["records_quarantined"],
                f["rows_json"],
                f["days_json"],
                f["signal"],
            )
            for f in manifest.files()
        }
    finally:
        manifest.close()


def test_small_files_land_together_exactly_as_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    inbox = tmp_path / "inbox"
    spans = _small_backlog(inbox)
    files = len(list(inbox.iterdir()))
    # keep every output file, to count them
    together = dataclasses.replace(Settings.from_env(tmp_path / "together"), compact_min_files=0)
    alone = dataclasses.replace(Settings.from_env(tmp_path / "alone"), compact_min_files=0)

    grouped = land(together, [inbox], settle_seconds=0, workers=2)
    monkeypatch.setattr(
        landing.schedule, "GROUP_FILE_BYTES", 0
    )  # every file its own task, as before grouping
    single = land(alone, [inbox], settle_seconds=0, workers=2)

    assert grouped.count("landed") == single.count("landed") == files
    assert grouped.records_quarantined == single.records_quarantined == 1  # a span with a bad trace id
    assert grouped.units_unreadable == single.units_unreadable == 1  # a malformed line, by its size
    assert lake_rows(together, "spans") == [(spans,)]
    for table in TABLES:
        assert _rows(together, table) == _rows(alone, table), table
    assert _manifest_rows(together) == _manifest_rows(alone)
    # the bad lines are set aside under the file they came from
    bad = sorted((Path(q["source_path"]).name, q["location"]) for q in quarantine_rows(together))
    assert bad == sorted((Path(q["source_path"]).name, q["location"]) for q in quarantine_rows(alone))
    assert {name for name, _ in bad} == {sorted(p.name for p in inbox.glob("traces-*.jsonl"))[0]}

    outputs = list(together.lake_dir.glob("*/date=2025*/*.parquet"))
    assert len(outputs) * 4 < len(list(alone.lake_dir.glob("*/date=2025*/*.parquet")))
    # each shared output names the files it holds, so the lake check finds every landed file
    assert max(len(sources_of(p)) for p in outputs) > 1
    scanned, problems = scan_lake(together)
    assert scanned and problems == []


def test_a_crash_while_publishing_a_group_is_rolled_forward_for_every_file(tmp_path):
    env = {**os.environ, "SPANLEDGER_HMAC_KEY": "test-key"}
    settings = Settings.from_env(tmp_path / "data")
    spans = _small_backlog(settings.inbox_dir)
    process = subprocess.run(
        [sys.executable, "-c", KILLED_MID_PUBLISH, str(settings.data_dir)], env=env, timeout=300
    )
    assert process.returncode == -signal.SIGKILL

    rerun = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "--data-dir", str(settings.data_dir), "land"],
        env={**env, "SPANLEDGER_SETTLE_SECONDS": "0"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert lake_rows(settings, "spans", "count(*), count(distinct (trace_id, span_id))") == [(spans, spans)]
    manifest = Manifest(settings.manifest_path)
    try:
        summary = manifest.summary()
    finally:
        manifest.close()
    assert (
        summary["files_landed"] == len(list(settings.inbox_dir.iterdir())) and summary["pending_publish"] == 0
    )
    assert summary["records_in"] == summary["records_landed"] + summary["records_quarantined"]
    # nothing doubled in any table: the lake holds exactly the rows the manifest says landed
    assert {table: lake_rows(settings, table)[0][0] for table in TABLES} == {
        table: summary["rows"].get(table, 0) for table in TABLES
    }
