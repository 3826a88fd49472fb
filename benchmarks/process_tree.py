"""Run a benchmark step in a fresh interpreter and measure it: seconds, and the peak of the summed
resident memory of its whole process tree (the landing's worker processes included), sampled every
0.2 s from Linux /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree_rss_kib(root: int) -> int:
    """Resident memory of `root` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_KIB
        except OSError:
            continue
    return total


def run_measured(code: str, env: dict[str, str] | None = None) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MiB of the process tree) of `python -c code`."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    returncode = proc.wait()
    done.set()
    sampler.join()
    return returncode, time.perf_counter() - started, peak / 1024
