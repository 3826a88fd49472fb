"""Worker processes for landing and compaction: spawned fresh, and never outliving their parent.

A landing or compaction that is killed (SIGKILL, OOM) must stop writing at once: a worker that went
on would finish a temporary file after the next run had swept the leftovers. On Linux each worker
asks the kernel to kill it when its parent dies; elsewhere workers notice their queue closing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

_PR_SET_PDEATHSIG = 1


def default_workers(configured: int = 0) -> int:
    """`configured`, or one per core, at most 4 (SPANLEDGER_LANDING_WORKERS)."""
    return configured or min(4, os.cpu_count() or 1)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))
