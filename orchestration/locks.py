"""Waiting for an advisory file lock (flock) with a deadline: the one loop behind the lake,
warehouse and lake-readers locks, each of which says in its own words who holds it; and the lake lock
itself, which everything that writes the lake takes (landing, compaction, retention, erasure)."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO


def wait_for_flock(fh: IO, mode: int, timeout: float) -> bool:
    """Take `mode` (fcntl.LOCK_EX or LOCK_SH) on `fh`, polling; False when `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


class LakeBusy(RuntimeError):
    """Another process holds the lake lock longer than we were willing to wait."""


class LakeLock:
    """An exclusive lock on writing the data directory's lake; waits, then fails with a clear message."""

    def __init__(self, state_dir: Path, timeout: float):
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "landing.lock"  # the name older versions took: they exclude each other too
        self.timeout = timeout
        self._fh: IO | None = None

    def __enter__(self) -> LakeLock:
        self._fh = open(self.path, "a+")
        if not wait_for_flock(self._fh, fcntl.LOCK_EX, self.timeout):
            self._fh.close()
            raise LakeBusy(
                f"another landing, compaction or compliance job is writing this data directory ({self.path}); "
                "wait for it to finish or raise --lock-timeout"
            )
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"{os.getpid()}\n")
        self._fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._fh is not None
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()
