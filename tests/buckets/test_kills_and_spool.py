"""A landing of a bucket killed (SIGKILL, real subprocess) anywhere lands every record exactly once on
the next run; the spool stays within its bound; an object is copied without being held in memory."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from orchestration.landing import land
from tests.buckets import otlp
from tests.landing.conftest import lake_rows, quarantine_rows, sigkill_at_random
from tests.landing.test_bad_input import _request, _span

SPANS = "count(*), count(distinct (trace_id, span_id))"


def _fill(bucket, objects: int, spans: int) -> int:
    for n in range(objects):
        key = otlp.s3_key("otel/traces/", n, f"traces_{n:04d}.json")
        bucket.put(key, otlp.json_object(n * 1000, spans) if n % 3 else otlp.gzip_object(n * 1000, spans))
    return objects * spans


def _land_command(settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "orchestration.cli",
        "--data-dir",
        str(settings.data_dir),
        "land",
        "--workers",
        "1",
    ]


# Random moments fall in the flow both clouds share (list, spool, land, note): they are drawn on one
# cloud only, as each costs a timed run and the kills; the fixed points are killed on both.
RANDOM_KILLS = {"s3": 2, "gs": 0}


def test_a_killed_bucket_landing_is_completed_exactly_once(settings, bucket, tmp_path):
    expected = _fill(bucket, 36, 300)  # ~80 KB objects: batches of about a dozen with a 1 MB spool
    # in the first batch, an object with 5 good spans, a line that is no JSON and a span with a bad id:
    # its two quarantine entries must not be written twice either
    bad_span = json.dumps(_request(_span(900_010), _span(900_011, spanId="zz" * 8))).encode()
    bucket.put(
        otlp.s3_key("otel/traces/", 5, "traces_mixed.json"),
        otlp.json_lines(900_000, 5) + b"{not json\n" + bad_span + b"\n",
    )
    expected += 6
    env = {**os.environ, "SPANLEDGER_HMAC_KEY": "test-key", "SPANLEDGER_SPOOL_MB": "1"}
    command = [*_land_command(settings), bucket.uri("otel/")]
    # killed at fixed points: after the second batch is copied, and after a batch landed but before
    # its objects' versions were noted (the next run finds their content landed)
    for point in ("spooled:2", "landed:1"):
        killed = subprocess.run(
            command, env={**env, "SPANLEDGER_TEST_KILL_AT": point}, capture_output=True, timeout=300
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]

    # and at random moments of a run (how long the next one takes, measured on a copy of the data dir
    # as it stands: a fresh one would do more work than the resumed runs and time them too long)
    if RANDOM_KILLS[bucket.scheme]:
        shutil.copytree(settings.data_dir, tmp_path / "timing")
        started = time.perf_counter()
        timing = [*command[:4], str(tmp_path / "timing"), *command[5:]]
        subprocess.run(timing, env=env, check=True, capture_output=True, timeout=300)
        duration = time.perf_counter() - started
        runs = RANDOM_KILLS[bucket.scheme]
        assert sigkill_at_random(command, env, duration, runs, seed=29, earliest=0.3) >= 1, (
            "no run was killed"
        )

    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    assert lake_rows(settings, "spans", SPANS) == [(expected, expected)]
    assert sorted(q["location"] for q in quarantine_rows(settings)) == [
        "line 2",
        "line 3: resourceSpans[0].scopeSpans[0].spans[1]",
    ]
    assert not settings.spool_dir.exists() and not (settings.lake_dir / "_staging").exists()
    again = land(settings, [bucket.uri("otel/")], workers=1)
    assert again.count("unchanged") == 37 and again.records_landed == 0
    assert lake_rows(settings, "spans", SPANS) == [(expected, expected)]


def _spool_bytes(settings) -> int:
    return sum(p.stat().st_size for p in settings.spool_dir.rglob("*") if p.is_file())


def test_the_spool_holds_one_bounded_batch_at_a_time(settings, bucket, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_SPOOL_MB", "1")
    expected = _fill(bucket, 12, 1000)  # ~270 KB each: 3 to a batch
    seen: list[int] = []
    body = "/traces/" if bucket.scheme == "s3" else "alt=media"
    bucket.proxy.add("GET", body, times=100, before=lambda: seen.append(_spool_bytes(settings)))
    report = land(type(settings).from_env(settings.data_dir), [bucket.uri("otel/")], workers=1)
    assert report.records_landed == expected
    assert len(seen) == 12 and max(seen) <= 1024 * 1024
    assert seen.count(0) >= 4  # each batch starts from an empty spool
    assert not settings.spool_dir.exists()


DOWNLOAD_PEAK = """
import sys, tracemalloc
from orchestration.landing.buckets.clients import open_store
from orchestration.landing.buckets.stores import ObjectInfo
from orchestration.landing.buckets.uri import parse_bucket_uri
source = parse_bucket_uri(sys.argv[1])
store = open_store(source)
[info] = list(store.list(source.prefix, None))
tracemalloc.start()
with open(sys.argv[2], "wb") as fh:
    store.download(info, fh)
print(tracemalloc.get_traced_memory()[1], info.size)
"""


def test_an_object_is_streamed_to_the_spool_not_held_in_memory(bucket, tmp_path):
    big = otlp.json_lines(0, 40_000, per_line=50)  # ~10 MB
    bucket.put("otel/big/traces.jsonl", big)
    out = subprocess.run(
        [sys.executable, "-c", DOWNLOAD_PEAK, bucket.uri("otel/big/"), str(tmp_path / "copy")],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    peak, size = map(int, out.stdout.split())
    print(f"download peak {peak:,} bytes for {size:,}")
    assert size == len(big) > 8 * 1024 * 1024
    assert (tmp_path / "copy").read_bytes() == big
    assert peak < size / 4, f"the download held {peak:,} bytes at once for a {size:,}-byte object"
