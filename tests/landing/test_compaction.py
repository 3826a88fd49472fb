"""Compaction merges a date folder's small files and changes no row; a killed compaction is finished
by the next run without losing or doubling anything; erasure still finds a subject's merged file."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import orchestration.landing as landing
from orchestration.lake.compaction import SOURCES_KEY, compact_lake
from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.landing import finish_interrupted_publish, land
from orchestration.manifest import Manifest
from orchestration.quality.lake_scan import scan_lake
from orchestration.settings import Settings
from tests.landing.test_bad_input import _request, _span

USERS = ["alice", "bob", "carol", "dave", "erin"]


def _write_inputs(inbox: Path, first: int, count: int) -> None:
    """`count` files, each with spans (of one user) and a span event, on the same event date."""
    for n in range(first, first + count):
        user = USERS[n % len(USERS)]
        spans = [
            _span(
                100 * n + i,
                attributes=[
                    {"key": "user.id", "value": {"stringValue": user}},
                    {"key": "tenant.id", "value": {"stringValue": "acme"}},
                ],
                events=[{"timeUnixNano": str(1_700_000_000_000_000_000), "name": f"e{n}"}],
            )
            for i in range(0, 6, 2)
        ]
        (inbox / f"export-{n:02d}.json").write_text(json.dumps(_request(*spans)))


def _lake(settings: Settings, table: str) -> list[tuple]:
    """Every row of a lake table with its partition date, in a fixed order (file names aside)."""
    pattern = settings.lake_dir / table / "*" / "*.parquet"
    with duckdb.connect() as con:
        return con.execute(
            f"select * exclude (date), date from read_parquet('{pattern}', hive_partitioning=true, "
            "union_by_name=true) order by all"
        ).fetchall()


def _data_files(settings: Settings, table: str) -> list[Path]:
    return sorted(
        p for p in settings.lake_dir.glob(f"{table}/date=*/*.parquet") if p.parent.name != "date=1970-01-01"
    )


@pytest.fixture
def compacting(settings: Settings) -> Settings:
    return dataclasses.replace(settings, compact_min_files=3)


def test_landing_compacts_a_date_folder_and_changes_no_row(compacting: Settings, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(
        landing.schedule, "GROUP_FILE_BYTES", 0
    )  # an output per input file, for compaction to merge
    reference = dataclasses.replace(compacting, data_dir=tmp_path / "reference", compact_min_files=0)
    for target in (compacting, reference):
        target.inbox_dir.mkdir(parents=True)
        _write_inputs(target.inbox_dir, 0, 2)
    land(compacting, settle_seconds=0)
    assert len(_data_files(compacting, "spans")) == 2  # below the threshold: left alone

    for target in (compacting, reference):
        _write_inputs(target.inbox_dir, 2, 3)
        report = land(target, settle_seconds=0)
    land(reference, settle_seconds=0)
    report = land(compacting, settle_seconds=0)
    assert report.compaction.files_in == 0  # nothing new: nothing to do (landed twice → no change)

    for table in ("spans", "span_events"):
        files = _data_files(compacting, table)
        assert len(files) == 1 and files[0].name.startswith("compacted-"), files
        assert len(_data_files(reference, table)) == 5
        assert _lake(compacting, table) == _lake(reference, table)  # same rows, values and dates
        sources = json.loads(
            __import__("pyarrow.parquet").parquet.read_schema(files[0]).metadata[SOURCES_KEY]
        )
        assert sorted(sources) == sorted(p.stem for p in _data_files(reference, table))

    # erasure's index: every user's rows are found in the merged file, and only there
    hasher = SubjectHasher(compacting.hmac_key)
    merged = {str(p) for t in ("spans", "span_events") for p in _data_files(compacting, t)}
    with SubjectIndex(subject_index_path(compacting.state_dir)) as index:
        for user in USERS:
            assert set(index.files_for([hasher(user)])) & merged, user
            assert set(index.files_for([hasher(user)])) <= merged
    # the lake scan accounts for every landed input through the merged file's sources
    scanned, problems = scan_lake(compacting)
    assert scanned >= 2 and problems == []


def test_a_file_with_unknown_columns_is_never_merged(compacting: Settings):
    import pyarrow as pa
    import pyarrow.parquet as pq

    compacting.inbox_dir.mkdir(parents=True)
    _write_inputs(compacting.inbox_dir, 0, 2)
    land(dataclasses.replace(compacting, compact_min_files=0), settle_seconds=0)
    folder = _data_files(compacting, "spans")[0].parent
    table = pq.read_table(_data_files(compacting, "spans")[0])
    pq.write_table(
        table.append_column("from_the_future", pa.array(["x"] * table.num_rows)), folder / "zz-new.parquet"
    )
    compact_lake(compacting, min_files=2)
    assert [p.name.startswith("compacted-") for p in _data_files(compacting, "spans")] == [True, False]
    assert (folder / "zz-new.parquet").exists() and "from_the_future" in pq.read_schema(
        folder / "zz-new.parquet"
    ).names


KILL_POINTS = ["compact_written:1", "compact_journaled:1", "compact_published:1", "compact_source_removed:2"]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_compaction_is_finished_by_the_next_run(settings: Settings, point: str):
    settings.inbox_dir.mkdir(parents=True)
    _write_inputs(settings.inbox_dir, 0, 4)
    land(dataclasses.replace(settings, compact_min_files=0), settle_seconds=0)
    expected = {t: _lake(settings, t) for t in ("spans", "span_events")}

    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "spanledger"),
            "--data-dir",
            str(settings.data_dir),
            "compact",
            "--min-files",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "SPANLEDGER_TEST_KILL_AT": point},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr

    finish_interrupted_publish(settings)  # what every warehouse build does before it reads the lake
    for table, rows in expected.items():
        assert _lake(settings, table) == rows, (point, table)
    assert not list(settings.lake_dir.glob("*/date=*/.*.tmp"))
    manifest = Manifest(settings.manifest_path)
    try:
        assert manifest.pending_compactions() == []
    finally:
        manifest.close()
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        present = {str(p) for t in ("spans", "span_events") for p in _data_files(settings, t)}
        indexed = set(index.files_for([SubjectHasher(settings.hmac_key)(u) for u in USERS]))
    assert indexed == present  # no vanished file listed, no present file missing

    compact_lake(settings, min_files=2)  # and a later run completes the job
    for table, rows in expected.items():
        assert len(_data_files(settings, table)) == 1 and _lake(settings, table) == rows


def test_compaction_waits_for_no_build_reading_the_lake(settings: Settings):
    from orchestration.lake.compaction import lake_readers

    settings.inbox_dir.mkdir(parents=True)
    _write_inputs(settings.inbox_dir, 0, 3)
    land(dataclasses.replace(settings, compact_min_files=0), settle_seconds=0)
    before = _data_files(settings, "spans")
    with lake_readers(settings):  # what a warehouse build holds while dbt reads the lake
        report = compact_lake(settings, min_files=2)
    assert report.deferred and "build" in report.deferred and _data_files(settings, "spans") == before
    assert compact_lake(settings, min_files=2).files_out == 2  # spans and span_events, once no build reads
