"""Generated demo telemetry and real telemetry never share a lake (issue 23, item 1).

Through the real entry point: `run` never generates, `demo` marks its data directory, and each way of
mixing the two is refused with a message naming a safe command, leaving the lake as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.hostile_data import spanledger

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
REAL_EXPORT = SAMPLES / "otel-proto_examples_trace.json"


def _lake_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "lake").rglob("*.parquet"))


def test_run_never_generates(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    proc = spanledger(data_dir, "run")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    message = " ".join(proc.stderr.split())
    assert "nothing to land" in message and "is empty" in message
    assert f"spanledger --data-dir {data_dir} demo" in message and "run --input DIR" in message
    inbox = data_dir / "inbox"
    assert not (inbox.exists() and any(inbox.iterdir())) and not _lake_files(data_dir)


def test_demo_lake_refuses_real_telemetry(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    demo = spanledger(data_dir, "demo", "--days", "1", "--requests-per-day", "20", "--skip-build")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert (data_dir / "state" / "generated-data.json").exists()
    landed = _lake_files(data_dir)
    assert landed

    real = tmp_path / "export"
    real.mkdir()
    shutil.copy(REAL_EXPORT, real / "traces.json")
    refused = spanledger(data_dir, "land", "--settle-seconds", "0", str(real))
    assert refused.returncode == 2
    message = " ".join(refused.stderr.split())
    assert "holds generated demo data" in message and str((real / "traces.json").resolve()) in message
    assert "spanledger --data-dir DIR land" in message
    assert _lake_files(data_dir) == landed

    # dropped into the demo's own inbox, it is still not the demo's
    shutil.copy(REAL_EXPORT, data_dir / "inbox" / "real-traces.json")
    again = spanledger(data_dir, "land", "--settle-seconds", "0")
    assert again.returncode == 2 and "real-traces.json" in again.stderr
    assert _lake_files(data_dir) == landed

    # a bucket only ever holds real exports: refused before anything is listed or downloaded
    bucket = spanledger(data_dir, "land", "--settle-seconds", "0", "s3://real-exports/otel")
    assert bucket.returncode == 2, bucket.stdout + bucket.stderr
    message = " ".join(bucket.stderr.split())
    assert "holds generated demo data" in message and "s3://real-exports/otel" in message
    assert _lake_files(data_dir) == landed

    # the demo itself runs again: nothing new of its own to land, nothing foreign taken
    (data_dir / "inbox" / "real-traces.json").unlink()
    rerun = spanledger(data_dir, "demo", "--skip-build")
    assert rerun.returncode == 0, rerun.stderr
    assert "already generated" in rerun.stderr and _lake_files(data_dir) == landed


def test_real_lake_refuses_the_demo(tmp_path: Path) -> None:
    data_dir = tmp_path / "real"
    landed = spanledger(data_dir, "land", str(REAL_EXPORT))
    assert landed.returncode == 0, landed.stderr
    before = _lake_files(data_dir)

    for command in (("demo", "--days", "1"), ("generate", "--days", "1")):
        proc = spanledger(data_dir, *command)
        assert proc.returncode == 2, proc.stdout
        message = " ".join(proc.stderr.split())
        assert "holds real telemetry (1 landed file(s))" in message
        assert f"spanledger --data-dir {tmp_path / 'spanledger-demo'} demo" in message
        assert not (data_dir / "inbox").exists() or not any((data_dir / "inbox").iterdir())
    assert not (data_dir / "state" / "generated-data.json").exists()
    assert _lake_files(data_dir) == before

    # with data landed and no warehouse, the hint is to build, never to generate
    report = spanledger(data_dir, "report", "chargeback")
    assert report.returncode == 2 and "next: `spanledger build`" in report.stderr
    assert "demo" not in report.stderr
    # a fresh data directory is told both safe ways in
    empty = spanledger(tmp_path / "empty", "query", "select 1")
    assert empty.returncode == 2
    assert "run --input DIR" in empty.stderr and "demo" in " ".join(empty.stderr.split())
