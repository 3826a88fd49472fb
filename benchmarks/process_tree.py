"""Run a benchmark step in a fresh interpreter and measure it: seconds, and the peak memory of its
whole process tree (the landing's worker processes included), sampled every 0.2 s from Linux /proc:
the summed RSS (counts the pages processes share, such as libpython and Arrow's code, once per
process) and the summed PSS (shares them out: what the tree really holds)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree(root: int) -> set[int]:
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
    return tree


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def tree_memory_kib(root: int) -> tuple[int, int]:
    """(RSS, PSS) of `root` and all its descendants."""
    rss = pss = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss += int(fh.read().split()[1]) * PAGE_KIB
        except OSError:
            continue
        pss += _pss_kib(pid)
    return rss, pss


def run_measured(code: str, env: dict[str, str] | None = None) -> tuple[int, float, float, float]:
    """(exit code, seconds, peak RSS and peak PSS in MiB of the process tree) of `python -c code`."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            rss, pss = tree_memory_kib(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    returncode = proc.wait()
    done.set()
    sampler.join()
    return returncode, time.perf_counter() - started, peak / 1024, peak_pss / 1024
