"""Corrupt or missing Parquet files are found and reported with their path (`spanledger check --lake`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.quality.checks import check_lake_partition
from orchestration.quality.lake_scan import scan_lake
from tests.quality.conftest import last_day

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from orchestration.cli import run_cli; run_cli()"]


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPANLEDGER_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    return subprocess.run([*CLI, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_clean_lake_scans_clean(clean_lake):
    scanned, problems = scan_lake(clean_lake)
    assert scanned > 20 and problems == []


def test_corrupt_and_missing_files_are_reported_with_their_paths(lake):
    day = last_day()
    corrupt = next((lake.table_dir("spans") / f"date={day}").glob("*.parquet"))
    with open(corrupt, "r+b") as fh:  # a torn write: the footer is gone
        fh.truncate(corrupt.stat().st_size // 2)
    missing = next((lake.table_dir("logs") / f"date={day}").glob("*.parquet"))
    missing.unlink()

    scanned, problems = scan_lake(lake)
    by_path = {p.path: p.problem for p in problems}
    assert by_path[str(corrupt)].startswith("corrupt")
    expected_missing = str(missing.parent / (missing.name.split("-")[0] + "-*.parquet"))
    assert by_path[expected_missing].startswith("missing")
    assert len(problems) == 2

    # the partition's suite fails (blocking) and names the file
    result = check_lake_partition(lake, "spans", day)
    assert result.blocks and any(str(corrupt) in e for e in result.errors)

    proc = _cli(lake, "check", "--lake")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert str(corrupt) in proc.stdout and "missing" in proc.stdout
    assert (lake.reports_dir / "quality" / "index.html").read_text().count(str(corrupt)) >= 1
