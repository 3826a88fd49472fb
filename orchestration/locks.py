"""Waiting for an advisory file lock (flock) with a deadline: the one loop behind the landing,
warehouse and lake-readers locks, each of which says in its own words who holds it."""

from __future__ import annotations

import fcntl
import time
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
