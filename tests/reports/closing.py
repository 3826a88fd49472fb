"""Closing a month through the real CLI, as finance does: what the DuckDB and BigQuery tests of closed
months share."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orchestration.reports.chargeback import Month


def close_month(data_dir: Path, month: Month, out: Path, env: dict[str, str] | None = None) -> dict:
    """`spanledger report chargeback --close` of `month` by "Finance Bot"; its JSON summary."""
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "--data-dir", str(data_dir), "report", "chargeback",
         "--close", str(month), "--by", "Finance Bot", "--format", "json", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return json.loads(proc.stdout)
