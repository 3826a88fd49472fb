"""What every CLI command shares: the two consoles, the one-line error, the settings of the context, and
the record of CLI runs in the data directory's Dagster history."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn

from orchestration.settings import Settings

console = Console(stderr=True)  # progress, warnings, errors
out = Console()  # results


class CliError(click.ClickException):
    """One clear line, no traceback, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        # one line at any width; the message may quote user input, which is not markup
        console.print(f"[bold red]error:[/] {escape(self.message)}", soft_wrap=True)


def settings_of(ctx: click.Context) -> Settings:
    """The settings `spanledger --data-dir` made, from a command or a sub-command of a group."""
    return ctx.find_root().obj["settings"]


def record_in_dagster(settings: Settings, events) -> None:
    """CLI runs join the Dagster history of the data directory (orchestration/defs/cli_history.py)."""
    from orchestration.defs.cli_history import record

    ctx = click.get_current_context(silent=True)
    recorded = record(settings, events(f"spanledger {ctx.info_name if ctx else 'CLI'}"))
    if isinstance(recorded, str):
        console.print(f"[yellow]not recorded in Dagster[/] ({settings.dagster_home}): {recorded}")
    elif recorded:
        console.print(
            f"recorded in Dagster: {recorded} asset events → `spanledger ui` shows them", highlight=False
        )


def terminal_progress(*columns: str | ProgressColumn) -> Progress:
    """A progress display on stderr that clears itself when done, and shows nothing off a terminal."""
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)
