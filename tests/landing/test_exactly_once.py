"""Nothing lost, nothing doubled: reruns, renamed copies, growing files and SIGKILL at random points."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orchestration.landing import land
from tests.landing.conftest import lake_rows, quarantine_rows, sigkill_at_random
from tests.landing.test_bad_input import START_NS, _request, _span


def _write_requests(path: Path, first: int, count: int, per_line: int = 50) -> int:
    with open(path, "w") as fh:
        for start in range(first, first + count, per_line):
            spans = [_span(i * 2) for i in range(start, min(start + per_line, first + count))]
            fh.write(json.dumps(_request(*spans)) + "\n")
    return count


def _lake_fingerprint(settings) -> dict[str, str]:
    return {
        str(p.relative_to(settings.lake_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(settings.lake_dir.rglob("*.parquet"))
    }


def test_landing_twice_changes_nothing(settings, inbox):
    _write_requests(inbox / "a.jsonl", 0, 500)
    first = land(settings, settle_seconds=0)
    before = _lake_fingerprint(settings)
    second = land(settings, settle_seconds=0)
    assert first.records_landed == 500
    assert second.records_landed == 0 and second.count("unchanged") == 1
    assert _lake_fingerprint(settings) == before


def test_same_content_under_a_new_name_is_not_landed_twice(settings, inbox):
    _write_requests(inbox / "traces.jsonl", 0, 300)
    land(settings, settle_seconds=0)
    (inbox / "traces.jsonl").rename(inbox / "traces-2025-11-24T10-00-00.jsonl")  # collector rotation
    report = land(settings, settle_seconds=0)
    assert report.count("duplicate") == 1
    assert lake_rows(settings, "spans") == [(300,)]


def test_a_growing_file_lands_only_its_new_tail(settings, inbox):
    path = inbox / "traces.jsonl"
    _write_requests(path, 0, 400)
    land(settings, settle_seconds=0)
    with open(path, "a") as fh:  # the exporter appends more batches to the same file
        for start in range(400, 600, 50):
            fh.write(json.dumps(_request(*[_span(i * 2) for i in range(start, start + 50)])) + "\n")
    report = land(settings, settle_seconds=0)
    assert report.count("appended") == 1 and report.records_landed == 200
    assert lake_rows(settings, "spans", "count(*), count(distinct span_id)") == [(600, 600)]
    # ... and a rotated copy of the full file is recognised as already landed.
    path.rename(inbox / "traces-rotated.jsonl")
    assert land(settings, settle_seconds=0).count("duplicate") == 1
    assert lake_rows(settings, "spans") == [(600,)]


def test_files_still_being_written_wait(settings, inbox):
    _write_requests(inbox / "fresh.jsonl", 0, 10)
    report = land(settings, settle_seconds=3600)
    assert report.count("settling") == 1 and not list(settings.lake_dir.glob("spans/date=2025*"))
    assert land(settings, settle_seconds=0).records_landed == 10


def test_sigkill_at_random_points_then_rerun_lands_exactly_once(settings, inbox, tmp_path):
    expected = 0
    for n in range(12):
        expected += _write_requests(inbox / f"batch-{n:02d}.jsonl", n * 10_000, 4_000, per_line=200)
    env = {**os.environ, "SPANLEDGER_SETTLE_SECONDS": "0", "SPANLEDGER_HMAC_KEY": "test-key"}
    command = [sys.executable, "-m", "orchestration.cli", "land", "--workers", "1", str(inbox)]

    # How long an undisturbed landing takes here, so the kills fall inside it on any machine.
    started = time.perf_counter()
    subprocess.run(
        [*command[:3], "--data-dir", str(tmp_path / "timing"), *command[3:]],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    duration = time.perf_counter() - started

    command = [*command[:3], "--data-dir", str(settings.data_dir), *command[3:]]
    kills = sigkill_at_random(command, env, duration, runs=4, seed=7, earliest=0.15)
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert kills >= 1, "the landing finished before any kill"
    assert lake_rows(settings, "spans", "count(*), count(distinct (trace_id, span_id))") == [
        (expected, expected)
    ]
    assert not list(settings.lake_dir.rglob("*.tmp")) and not (settings.lake_dir / "_staging").exists()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert lake_rows(settings, "spans") == [(expected,)]


def test_a_big_file_is_split_at_line_ends_and_keeps_line_numbers(settings, inbox, monkeypatch):
    from orchestration.landing import slicing

    monkeypatch.setattr(slicing, "MIN_SLICE_BYTES", 20_000)  # many slices from a small file
    monkeypatch.setattr(slicing, "MAX_SLICE_BYTES", 20_000)
    path = inbox / "big.jsonl"
    _write_requests(path, 0, 3_000, per_line=20)
    lines = path.read_text().splitlines()
    lines.insert(77, "{broken")
    path.write_text("\n".join(lines) + "\n")
    uncompacted = dataclasses.replace(settings, compact_min_files=0)  # keep one output per slice to count
    report = land(uncompacted, settle_seconds=0)
    assert report.records_landed == 3_000 and report.records_quarantined == 0
    assert (report.units_unreadable, report.bytes_unreadable) == (1, len("{broken"))
    assert lake_rows(settings, "spans", "count(distinct span_id)") == [(3_000,)]
    outputs = list(settings.lake_dir.glob("spans/date=*/*.parquet"))
    assert len(outputs) > 5  # one output per slice: the split really happened
    [entry] = quarantine_rows(settings)
    assert entry["location"] == "line 78"


KILLED_MID_PUBLISH = """
import os, signal, sys
from pathlib import Path
import orchestration.landing as landing
from orchestration.landing import publish as publishing
from orchestration.lake import writer
from orchestration.settings import Settings

def publish_one_then_die(moves):
    writer.publish(moves[:1])
    os.kill(os.getpid(), signal.SIGKILL)

publishing.publish = publish_one_then_die
landing.land(Settings.from_env(sys.argv[1]), settle_seconds=0)
"""


def test_a_build_never_sees_half_a_publish(settings, inbox):
    from orchestration.landing import finish_interrupted_publish
    from orchestration.warehouse.dbt_runner import staged_warehouse

    _write_requests(inbox / "a.jsonl", 0, 2_000, per_line=100)
    with open(inbox / "a.jsonl", "a") as fh:  # spans on a second day: more than one output file
        next_day = START_NS + 86_400 * 10**9
        fh.write(
            json.dumps(
                _request(
                    *[
                        _span(
                            i * 2,
                            startTimeUnixNano=str(next_day + i),
                            endTimeUnixNano=str(next_day + i + 10**6),
                        )
                        for i in range(2_000, 2_100)
                    ]
                )
            )
            + "\n"
        )
    process = subprocess.run(
        [sys.executable, "-c", KILLED_MID_PUBLISH, str(settings.data_dir)],
        env={**os.environ, "SPANLEDGER_HMAC_KEY": "test-key"},
        timeout=120,
    )
    assert process.returncode == -signal.SIGKILL
    published = [
        p for p in settings.lake_dir.glob("*/date=*/*.parquet") if p.parent.name != "date=1970-01-01"
    ]
    assert len(published) == 1  # the killed run's window: one of its outputs is already in place

    with staged_warehouse(settings):  # what every warehouse build (CLI and Dagster) starts with
        assert lake_rows(settings, "spans", "count(*), count(distinct span_id)") == [(2_100, 2_100)]
    report = land(settings, settle_seconds=0)
    assert report.count("unchanged") == 1 and report.records_landed == 0
    assert finish_interrupted_publish(settings) == 0


def test_slices_come_in_multiples_of_the_workers_and_as_few_as_allowed():
    from orchestration.landing.slicing import MAX_SLICE_BYTES, MIN_SLICE_BYTES, slice_bytes

    gib = 1024**3
    assert slice_bytes(10 * 1024**2, 2) == MIN_SLICE_BYTES  # small: one slice
    assert slice_bytes(int(1.2 * gib), 2) == int(0.6 * gib)  # both cores, one slice each
    for size in (int(1.2 * gib), 5 * gib + 17, 18 * gib):
        for workers in (1, 2, 4):
            each = slice_bytes(size, workers)
            slices = -(-size // each)
            assert each <= MAX_SLICE_BYTES and slices % workers == 0, (size, workers, each)


def test_the_new_tail_of_a_grown_big_file_keeps_its_line_numbers(settings, inbox, monkeypatch):
    from orchestration.landing import slicing

    monkeypatch.setattr(slicing, "MIN_SLICE_BYTES", 20_000)
    monkeypatch.setattr(slicing, "MAX_SLICE_BYTES", 20_000)
    path = inbox / "big.jsonl"
    _write_requests(path, 0, 1_000, per_line=20)  # lines 1..50
    land(settings, settle_seconds=0)
    with open(path, "a") as fh:  # lines 51..150, with line 120 broken
        for n, start in enumerate(range(1_000, 3_000, 20), start=51):
            fh.write(
                "{broken\n"
                if n == 120
                else json.dumps(_request(*[_span(i * 2) for i in range(start, start + 20)])) + "\n"
            )
    report = land(settings, settle_seconds=0)
    assert report.count("appended") == 1 and report.units_unreadable == 1
    assert [q["location"] for q in quarantine_rows(settings)] == ["line 120"]


def test_a_backlog_is_decoded_while_it_is_still_being_hashed(settings, inbox, monkeypatch):
    """Many files with worker processes: decoding starts before the last file is hashed, a copy of an
    earlier file in the same run is a duplicate, every record lands once."""
    import shutil

    from orchestration.landing import identity, schedule

    monkeypatch.setattr(schedule, "POOL_MIN_BYTES", 0)  # the pool even for a small backlog
    monkeypatch.setattr(schedule, "GROUP_MAX_BYTES", 1)  # a task a file, as in a backlog of GBs
    expected = sum(_write_requests(inbox / f"part-{n:02d}.jsonl", n * 10_000, 300) for n in range(8))
    shutil.copy(inbox / "part-03.jsonl", inbox / "part-03-rotated.jsonl")
    events: list[str] = []
    identify, publish_file = identity.identify, schedule.publish_file
    monkeypatch.setattr(identity, "identify", lambda *a: events.append("hash") or identify(*a))
    monkeypatch.setattr(
        schedule, "publish_file", lambda *a, **k: events.append("publish") or publish_file(*a, **k)
    )

    report = land(settings, settle_seconds=0, workers=2)
    assert report.records_landed == expected and report.records_quarantined == 0
    assert report.count("landed") == 8 and report.count("duplicate") == 1
    assert lake_rows(settings, "spans", "count(*), count(distinct span_id)") == [(expected, expected)]
    assert events.count("hash") == 9 and events.count("publish") == 8
    assert events.index("publish") < len(events) - 1 - events[::-1].index("hash")  # overlapped
    assert land(settings, settle_seconds=0, workers=2).records_landed == 0


def test_a_file_rotated_away_before_it_is_read_is_skipped_not_fatal(settings, inbox, monkeypatch):
    from orchestration.landing import run

    _write_requests(inbox / "kept.jsonl", 0, 100)
    _write_requests(inbox / "rotated.jsonl", 1_000, 100)
    discover = run.discover

    def listed_then_rotated(*args):
        pending = discover(*args)
        (inbox / "rotated.jsonl").unlink()  # the collector removed it after the listing
        return pending

    monkeypatch.setattr(run, "discover", listed_then_rotated)
    report = land(settings, settle_seconds=0)
    assert report.count("landed") == 1 and report.records_landed == 100
    [gone] = [f for f in report.files if f.path.endswith("rotated.jsonl")]
    assert gone.outcome == "settling" and "vanished" in gone.detail


def test_a_big_file_starts_decoding_while_it_is_hashed(settings, inbox, monkeypatch):
    """One big file: a worker decodes its first slice before the file's id is known and gives its rows
    the id before it writes; this process decodes the rest. Line numbers hold in both. The same bytes
    under another name are a duplicate once hashed: the early slice is withdrawn and writes nothing."""
    import shutil

    from orchestration.landing import early, schedule, slicing

    monkeypatch.setattr(slicing, "MIN_SLICE_BYTES", 20_000)
    path = inbox / "big.jsonl"
    _write_requests(path, 0, 3_000, per_line=20)
    lines = path.read_text().splitlines()
    lines.insert(9, "{broken")  # line 10: in the early slice
    lines.insert(139, "{broken too")  # line 140: in the rest
    path.write_text("\n".join(lines) + "\n")
    early_slices: list = []
    early_slice = schedule.early_slice
    monkeypatch.setattr(
        schedule, "early_slice", lambda *a: early_slices.append(early_slice(*a)) or early_slices[-1]
    )

    report = land(dataclasses.replace(settings, compact_min_files=0), settle_seconds=0, workers=2)
    [first] = early_slices
    assert first.file_id == early.ID_PENDING and 0 < first.end < path.stat().st_size
    [outcome] = report.files
    assert (outcome.outcome, report.records_landed, report.units_unreadable) == ("landed", 3_000, 2)
    assert lake_rows(
        settings, "spans", "count(distinct span_id), count(distinct source_file_id), min(source_file_id)"
    ) == [(3_000, 1, outcome.file_id)]
    outputs = sorted(p.name for p in settings.lake_dir.glob("spans/date=2*/*.parquet"))
    assert outputs == [f"{outcome.file_id[:24]}-000.parquet", f"{outcome.file_id[:24]}-001.parquet"]
    assert sorted(q["location"] for q in quarantine_rows(settings)) == ["line 10", "line 140"]

    shutil.copy(path, inbox / "big-rotated.jsonl")
    again = land(settings, settle_seconds=0, workers=2)
    assert len(early_slices) == 2 and early_slices[1] is not None  # it did start early
    assert [o.outcome for o in again.files if o.path.endswith("big-rotated.jsonl")] == ["duplicate"]
    assert sorted(p.name for p in settings.lake_dir.glob("spans/date=2*/*.parquet")) == outputs
    assert lake_rows(settings, "spans", "count(*)") == [(3_000,)]
    assert not (settings.lake_dir / "_staging").exists()
