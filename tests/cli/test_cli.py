"""The command line as a user meets it: help, one-line errors, generate → land → status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _spanledger(*args: str, data_dir: Path, check: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPANLEDGER_HMAC_KEY": "test-key", "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_help_shows_the_workflow(tmp_path):
    result = _spanledger("--help", data_dir=tmp_path, check=True)
    for command in ("run", "generate", "land", "build", "status", "query", "prices", "ui"):
        assert command in result.stdout
    assert "Examples:" in _spanledger("land", "--help", data_dir=tmp_path, check=True).stdout


def test_errors_are_one_clear_line(tmp_path):
    missing = _spanledger("land", str(tmp_path / "nope"), data_dir=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("error:") and len(missing.stderr.strip().splitlines()) == 1
    assert "Traceback" not in missing.stderr
    status = _spanledger("status", data_dir=tmp_path / "empty")
    assert status.returncode == 2 and "nothing has landed" in status.stderr


def test_generate_land_status(tmp_path):
    summary_path = tmp_path / "summary.json"
    _spanledger(
        "generate",
        "--days",
        "1",
        "--requests-per-day",
        "40",
        "--start-date",
        "2026-02-01",
        "--summary",
        str(summary_path),
        data_dir=tmp_path / "data",
        check=True,
    )
    summary = json.loads(summary_path.read_text())
    landed = _spanledger("land", "--settle-seconds", "0", "--json", data_dir=tmp_path / "data", check=True)
    report = json.loads(landed.stdout)
    assert report["records_in"] == report["records_landed"] + report["records_quarantined"]
    assert report["rows"]["spans"] == summary["spans"]
    again = json.loads(
        _spanledger("land", "--settle-seconds", "0", "--json", data_dir=tmp_path / "data", check=True).stdout
    )
    assert again["records_in"] == 0 and again["files_landed"] == 0
    status = json.loads(_spanledger("status", "--json", data_dir=tmp_path / "data", check=True).stdout)
    assert status["rows"]["spans"] == summary["spans"]
    assert status["records_in"] == status["records_landed"] + status["records_quarantined"]
