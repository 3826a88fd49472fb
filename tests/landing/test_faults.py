"""Faults with real processes and real filesystems: a full disk, two landings at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.landing import LandingError, land
from orchestration.manifest import Manifest
from orchestration.settings import Settings
from tests.landing.conftest import lake_rows
from tests.landing.test_exactly_once import _lake_fingerprint, _write_requests


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs: the real ENOSPC of a full filesystem (needs root, which CI has)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_leaves_the_previous_state_intact(small_disk, tmp_path, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    settings = Settings.from_env(small_disk / "data")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    _write_requests(inputs / "small.jsonl", 0, 200)
    land(settings, [inputs / "small.jsonl"], settle_seconds=0)
    before = _lake_fingerprint(settings)

    # Attributes that do not compress: far more Parquet than 4 MiB of tmpfs can take.
    big = inputs / "big.jsonl"
    with open(big, "w") as fh:
        for line in range(300):
            spans = []
            for i in range(40):
                n = 10_000 + line * 40 + i
                span = {
                    "traceId": f"{n:032x}",
                    "spanId": f"{n:016x}",
                    "name": "x",
                    "startTimeUnixNano": str(1_764_000_000_000_000_000 + n),
                    "attributes": [{"key": "blob", "value": {"stringValue": os.urandom(400).hex()}}],
                }
                spans.append(span)
            fh.write('{"resourceSpans":[{"scopeSpans":[{"spans":' + json.dumps(spans) + "}]}]}\n")
    with pytest.raises(LandingError, match="disk full"):
        land(settings, [big], settle_seconds=0)

    assert _lake_fingerprint(settings) == before  # nothing half-written became visible
    assert lake_rows(settings, "spans") == [(200,)]
    manifest = Manifest(settings.manifest_path)
    try:
        assert [Path(f["path"]).name for f in manifest.files()] == ["small.jsonl"]
    finally:
        manifest.close()

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    report = land(settings, [big], settle_seconds=0)
    assert report.records_landed == 12_000
    assert lake_rows(settings, "spans") == [(12_200,)]


def test_two_landings_at_once_land_each_file_once(settings, inbox):
    expected = sum(_write_requests(inbox / f"f{n}.jsonl", n * 10_000, 3_000, per_line=100) for n in range(6))
    env = {
        **os.environ,
        "SPANLEDGER_DATA_DIR": str(settings.data_dir),
        "SPANLEDGER_SETTLE_SECONDS": "0",
        "SPANLEDGER_HMAC_KEY": "test-key",
    }
    command = [sys.executable, "-m", "orchestration.cli", "land", "--json"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    landed = [json.loads(out)["records_landed"] for out, _ in outputs]
    assert sorted(landed) == [0, expected]  # one landed everything, the other waited and found nothing new
    assert lake_rows(settings, "spans", "count(*), count(distinct span_id)") == [(expected, expected)]
