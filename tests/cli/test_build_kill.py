"""A `spanledger build` killed with SIGKILL takes its dbt with it.

Before, dbt went on alone: it finished its build without the warehouse lock (rewriting dbt's target/)
while a next build could already be reusing its folder. The build here is the real command line on a
copy of a built data directory; it is killed once its dbt child runs.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.built_once import private_copy
from tests.hostile_data import SPANLEDGER

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the parent-death signal and /proc are Linux's"
)


def _children(pid: int) -> dict[int, str]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan is reaped by whoever adopts it, maybe never in a container)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout:.0f}s for {what}")


def test_sigkill_of_build_ends_its_dbt_child(hostile, tmp_path) -> None:
    data_dir = private_copy(hostile, tmp_path / "data")
    run_results = data_dir / "dbt" / "target" / "run_results.json"
    before = run_results.read_bytes()
    build = subprocess.Popen(
        [SPANLEDGER, "--data-dir", str(data_dir), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SPANLEDGER_DBT_THREADS": "1"},
    )
    try:
        dbt_pid = _wait_for(
            lambda: next((p for p, cmd in _children(build.pid).items() if "dbt" in cmd), None),
            timeout=120,
            what="build to start dbt",
        )
    finally:
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
    _wait_for(lambda: not _running(dbt_pid), timeout=120, what="the orphaned dbt to end")
    assert run_results.read_bytes() == before, "dbt went on building after its build was killed"
    with open(data_dir / "state" / "warehouse.lock", "a+") as lock:  # nobody holds the lock any more
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
