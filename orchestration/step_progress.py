"""The steps of a long command (erase, retention) as they start, on a terminal only.

Each step is a dim line on stderr with the time since the command began (`erase: deleting the subject's
rows in the warehouse (at 41s)`), and a spinner below says the command is still at it; a count within a
step (`12 files rewritten`) only updates the spinner. Not a terminal (a log, a pipe, cron): nothing,
the command's report says what was done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

Say = Callable[..., None]  # say(step) starts a step; say(text, count=True) updates the spinner only


@contextmanager
def step_progress(console: Console, what: str) -> Iterator[Say]:
    """Yields `say`, which shows the steps of `what` while the block runs."""
    if not console.is_terminal:
        yield lambda _text, count=False: None
        return
    started = time.monotonic()
    with console.status(f"{what} …") as status:

        def say(text: str, count: bool = False) -> None:
            elapsed = time.monotonic() - started
            if not count:
                console.print(f"[dim]{what}: {escape(text)} (at {elapsed:.0f}s)[/]", highlight=False)
            status.update(f"{what}: {escape(text)} · {elapsed:.0f}s")

        yield say
