"""Expensive data directories built once per test run and shared by every xdist worker.

A session fixture is per worker: with `-n 2` two workers each built their own copy of the same
warehouse (~35 s of CPU each). Here the first worker builds it under a file lock; the others wait,
then take it as it is. Tests that change a data directory work on a private copy.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`build(data_dir)` once per run; returns that data dir. Never modify it: copy it."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    root.mkdir(exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data_dir = root / "data"
        if not (root / "ready").exists():
            shutil.rmtree(data_dir, ignore_errors=True)
            build(data_dir)
            (root / "ready").write_text("ok")
    return data_dir


def private_copy(golden: Path, target: Path) -> Path:
    """A copy to change; the Dagster instance and a leftover build copy are not taken."""
    shutil.copytree(golden, target, ignore=shutil.ignore_patterns("dagster", ".warehouse-build"))
    return target
