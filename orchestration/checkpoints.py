"""Crash-test hook: long jobs (erasure, compaction) call a checkpoint between steps; a test sets
SPANLEDGER_TEST_KILL_AT=<step>:<n> to SIGKILL a real process at the n-th checkpoint of that step."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

Checkpoint = Callable[[str], None]


def noop(_: str) -> None:
    pass


def kill_at_from_env() -> Checkpoint:
    spec = os.environ.get("SPANLEDGER_TEST_KILL_AT")
    if not spec:
        return noop
    step, _, nth = spec.partition(":")
    seen = {"n": 0}

    def kill(name: str) -> None:
        if name == step:
            seen["n"] += 1
            if seen["n"] >= int(nth or 1):
                os.kill(os.getpid(), signal.SIGKILL)

    return kill
