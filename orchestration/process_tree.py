"""Servers the CLI starts (`spanledger ui`, `docs --serve`) stop whole on SIGTERM, SIGINT or SIGHUP.

The server runs in a session of its own, so every process it starts (dagster dev's webserver, daemon,
code server and runs; dbt's HTTP server) shares its process group. A signal to `spanledger` is passed
on to the group as SIGINT, the servers' own graceful stop (Ctrl-C); what is still alive after
`grace_seconds` is killed, and so is anything left in the group once the server itself has exited.
Before, `ui` exec'd dagster dev, which maps SIGTERM to SIGINT's disposition: started in the background
(SIGINT ignored) it ignored both; `docs --serve` died on SIGTERM and left `dbt docs serve` serving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def run_until_stopped(
    command: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    grace_seconds: float = 10.0,
    on_stop: Callable[[str], None] = lambda _: None,
) -> int:
    """Run `command` until it exits or a stop signal arrives; its process group never outlives it.

    Returns the server's exit code, or 0 when it was stopped on request."""
    received: list[int] = []

    def remember(signum: int, _frame) -> None:
        received.append(signum)

    # handlers, not SIG_IGN: the child then starts with default dispositions (Python's Ctrl-C handler)
    previous = {sig: signal.signal(sig, remember) for sig in STOP_SIGNALS}
    try:
        server = subprocess.Popen(list(command), env=env, cwd=cwd, start_new_session=True)
        try:
            while server.poll() is None and not received:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=0.2)
            if received:
                on_stop(signal.Signals(received[0]).name)
                _signal_group(server.pid, signal.SIGINT)
                try:
                    server.wait(timeout=grace_seconds)
                except subprocess.TimeoutExpired:
                    on_stop(f"still running after {grace_seconds:g}s: killed")
        finally:
            _signal_group(server.pid, signal.SIGKILL)  # whatever is left: the server, its children
            server.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if received else server.returncode


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # nobody left in the group
        os.killpg(group, sig)
