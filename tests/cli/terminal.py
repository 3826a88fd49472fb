"""Run the real `spanledger` entry point in a real terminal (a pseudo-terminal of a given width)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

SPANLEDGER = str(Path(sys.executable).parent / "spanledger")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def plain(text: str) -> str:
    """Terminal output without colours, cursor moves and carriage returns."""
    return _ANSI.sub("", text)


def in_terminal(
    *args: str,
    columns: int,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> tuple[int, str]:
    """Exit code and everything the command wrote to its terminal (stdout and stderr share it).

    `stdin`, when given, is typed into the terminal (the command reads it as from a keyboard)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [SPANLEDGER, *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm", **(env or {})},
        close_fds=True,
    )
    os.close(follower)
    if stdin is not None:
        os.write(leader, stdin.encode())
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command has exited
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    else:
        proc.kill()
    os.close(leader)
    return proc.wait(timeout=30), plain(b"".join(chunks).decode("utf-8", "replace"))
