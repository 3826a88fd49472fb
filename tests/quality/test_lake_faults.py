"""Corrupt or missing Parquet files are found and reported with their path (`spanledger check --lake`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.lake.compaction import sources_of
from orchestration.manifest import Manifest
from orchestration.quality.checks import check_lake_partition
from orchestration.quality.lake_scan import scan_lake
from tests.quality.conftest import last_day

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from orchestration.cli import run_cli; run_cli()"]


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPANLEDGER_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [*CLI, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_clean_lake_scans_clean(clean_lake):
    scanned, problems = scan_lake(clean_lake)
    assert scanned > 20 and problems == []


def _held(lake, path: Path, table: str, day: str) -> set[str]:
    """The landed files (id prefixes) whose rows of `table` on `day` a lake file holds: small files
    land several to an output."""
    held = {name.split("-")[0] for name in sources_of(path)}
    manifest = Manifest(lake.manifest_path)
    try:
        return {
            f["file_id"][:24]
            for f in manifest.files()
            if f["file_id"][:24] in held and day in json.loads(f["days_json"]).get(table, [])
        }
    finally:
        manifest.close()


def test_corrupt_and_missing_files_are_reported_with_their_paths(lake):
    day = last_day()
    corrupt = next((lake.table_dir("spans") / f"date={day}").glob("*.parquet"))
    # an unreadable file no longer says which other files it holds: those are reported missing
    unreadable = _held(lake, corrupt, "spans", day) - {corrupt.name.split("-")[0]}
    with open(corrupt, "r+b") as fh:  # a torn write: the footer is gone
        fh.truncate(corrupt.stat().st_size // 2)
    missing = next((lake.table_dir("logs") / f"date={day}").glob("*.parquet"))
    lost = _held(lake, missing, "logs", day)
    missing.unlink()

    _scanned, problems = scan_lake(lake)
    by_path = {p.path: p.problem for p in problems}
    assert by_path[str(corrupt)].startswith("corrupt")
    assert lost
    for folder, prefixes in ((missing.parent, lost), (corrupt.parent, unreadable)):
        for prefix in prefixes:
            assert by_path[str(folder / f"{prefix}-*.parquet")].startswith("missing")
    assert len(problems) == 1 + len(lost) + len(unreadable)

    # the partition's suite fails (blocking) and names the file
    result = check_lake_partition(lake, "spans", day)
    assert result.blocks and any(str(corrupt) in e for e in result.errors)

    proc = _cli(lake, "check", "--lake")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert str(corrupt) in proc.stdout and "missing" in proc.stdout
    assert (lake.reports_dir / "quality" / "index.html").read_text().count(str(corrupt)) >= 1
