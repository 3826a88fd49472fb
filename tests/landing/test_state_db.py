"""The state databases (manifest, subject index, ledger) open safely from many processes at once."""

from __future__ import annotations

import subprocess
import sys
import time

OPEN_AT = """
import sys, time
from pathlib import Path
from orchestration.lake.subjects import SubjectIndex
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
with SubjectIndex(Path(sys.argv[1])) as index:
    print(len(index.suppressed()))
"""


def test_workers_creating_a_fresh_database_together_all_succeed(tmp_path):
    """Landing workers used to race to switch a new subject index to WAL; SQLite does not wait for
    that switch, so one of them failed with "database is locked"."""
    for attempt in range(3):
        path = tmp_path / f"subjects-{attempt}.sqlite"
        start = time.time() + 1.5  # after every interpreter has started
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AT, str(path), str(start)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        failures = [err.strip().splitlines()[-1] for code, err in results if code != 0]
        assert failures == [], failures
