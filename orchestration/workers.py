"""Worker processes for landing and compaction: spawned fresh, and never outliving their parent.

A landing or compaction that is killed (SIGKILL, OOM) must stop writing at once: a worker that went
on would finish a temporary file after the next run had swept the leftovers. On Linux each worker
asks the kernel to kill it when its parent dies; elsewhere workers notice their queue closing.

Workers allocate Arrow memory with the system allocator: Arrow's default (mimalloc) keeps freed
row groups mapped, so a compaction worker peaked at 508 MiB instead of 337 MiB (and ran 25% slower);
a landing worker at 360 MiB instead of 325 MiB, at the same speed.
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


def _start_worker(parent: int) -> None:
    import pyarrow as pa

    from orchestration.arrow_without_pandas import skip_pandas_probe

    pa.set_memory_pool(pa.system_memory_pool())
    skip_pandas_probe()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
