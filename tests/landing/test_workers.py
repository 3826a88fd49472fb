"""Worker processes die with their parent: a killed landing or compaction must stop writing at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

POOL_BUSY = """
import time
from orchestration.workers import process_pool
with process_pool(2) as pool:
    busy = [pool.submit(time.sleep, 60) for _ in range(2)]
    time.sleep(1.0)  # both workers started and sleeping inside a task
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie waits for its reaper but runs no code


def test_busy_workers_die_with_a_killed_parent():
    parent = subprocess.Popen([sys.executable, "-c", POOL_BUSY], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [pid for pid in workers if _alive(pid)]
    for pid in alive:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "workers outlived their killed parent (they sleep in a 60 s task)"
