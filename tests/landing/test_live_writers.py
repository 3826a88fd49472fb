"""Exactly once against live writers: a real writer process appends to an export file in random chunk
sizes (cutting lines, gzip members, zstd frames and protobuf messages anywhere) while landing runs in a
loop; after a last landing, the lake holds every span once, nothing is quarantined, nothing waits.

This is how collectors write (they append while the sensor polls, and rotate mid-write); each shape
landed some spans twice or lost some before landing tracked where each file stops in decompressed terms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.landing import land
from orchestration.manifest import Manifest
from tests.landing.conftest import lake_rows, quarantine_rows

ROOT = Path(__file__).resolve().parents[2]
SHAPES = [
    "jsonl",
    "jsonl-rotating",
    "jsonl-gz-members",
    "jsonl-zst-frames",
    "jsonl-zst-stream",
    "proto-framed",
    "proto-framed-zstd",
    "json-framed-zstd",
]
SEEDS = [1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_every_span_lands_once_while_the_file_is_written(settings, inbox, shape, seed):
    path = inbox / f"live-{shape}.out"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.landing.live_writer", shape, str(path), str(seed), "120", "30"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    landed_while_written = []  # spans in the lake after each landing that raced the writer
    while writer.poll() is None:
        if path.exists():
            land(settings, [inbox], settle_seconds=0, workers=1)
            landed_while_written.append(lake_rows(settings, "spans")[0][0])
        time.sleep(0.01)
    out, _ = writer.communicate()
    assert writer.returncode == 0
    expected = int(out)
    final = land(settings, [inbox], settle_seconds=0, workers=1)

    assert any(0 < n < expected for n in landed_while_written), "no landing raced the writer"
    assert lake_rows(settings, "spans", "count(*), count(distinct (trace_id, span_id))") == [
        (expected, expected)
    ]
    assert quarantine_rows(settings) == []
    assert final.pending_bytes == 0 and not [f for f in final.files if f.outcome == "waiting"]
    manifest = Manifest(settings.manifest_path)
    try:
        files = manifest.files()
    finally:
        manifest.close()
    assert sum(f["records_in"] for f in files) == expected  # every version counted only its new records
    assert sum(f["records_landed"] for f in files) == expected


def test_a_file_replaced_under_its_name_is_a_new_file_not_a_tail(settings, inbox):
    from tests.landing.live_writer import json_request

    path = inbox / "traces.jsonl"
    first = [json.dumps(json_request(7, r, 5)) + "\n" for r in range(6)]
    path.write_text("".join(first))
    land(settings, [inbox], settle_seconds=0)
    # Truncated and rewritten with other records, longer than before: not a continuation of the first.
    second = [json.dumps(json_request(8, r, 5)) + "\n" for r in range(9)]
    path.write_text("".join(second))
    report = land(settings, [inbox], settle_seconds=0)
    assert [f.outcome for f in report.files] == ["landed"]
    assert lake_rows(settings, "spans", "count(*), count(distinct (trace_id, span_id))") == [(75, 75)]
    # The first bytes kept, the rest replaced (a rewrite in place): still not a tail.
    path.write_text("".join(second[:4]) + "".join(first))
    report = land(settings, [inbox], settle_seconds=0)
    assert [f.outcome for f in report.files] == ["landed"]  # 4 + 6 requests: 20 spans again, 30 new
    assert lake_rows(settings, "spans", "count(*)") == [(75 + 50,)]


def test_a_record_cut_mid_write_waits_then_is_quarantined_when_the_writer_is_gone(settings, inbox):
    from tests.landing.live_writer import json_request

    path = inbox / "traces.jsonl"
    whole = json.dumps(json_request(3, 0, 4)) + "\n"
    cut = json.dumps(json_request(3, 1, 4))[:-25]
    path.write_text(whole + cut)
    first = land(settings, [inbox], settle_seconds=0)
    [outcome] = first.files
    assert (outcome.outcome, outcome.records_landed, outcome.pending_bytes) == ("landed", 4, len(cut))
    assert quarantine_rows(settings) == []
    again = land(settings, [inbox], settle_seconds=0)  # unchanged and still young: it keeps waiting
    assert [f.outcome for f in again.files] == ["waiting"]

    old = time.time() - settings.tail_timeout_seconds - 5  # the writer has been silent for too long
    os.utime(path, (old, old))
    settled = land(settings, [inbox], settle_seconds=0)
    [outcome] = settled.files
    assert (outcome.outcome, outcome.units_unreadable, outcome.bytes_unreadable) == ("finalized", 1, len(cut))
    [entry] = quarantine_rows(settings)
    assert (
        entry["location"] == "line 2" and "truncated record" in entry["reason"] and entry["records"] is None
    )
    assert lake_rows(settings, "spans") == [(4,)]
