"""`dbt build`'s progress in a terminal: nodes done of the run's total, the node at hand, time elapsed,
from dbt's own events (orchestration/warehouse/dbt_runner.py reads them). Nothing when stderr is not a
terminal: a log gets the summary line only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from orchestration.warehouse.dbt_runner import DbtProgress

NODE_WIDTH = 40  # test names run to 90 characters: the line stays one line at 100 columns


@contextmanager
def dbt_build_progress(console: Console) -> Iterator[DbtProgress | None]:
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("[bold]dbt build[/]"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TextColumn("{task.fields[node]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("dbt build", total=None, count="", node="parsing the project")

        def update(done: int, total: int, node: str) -> None:
            shown = node if len(node) <= NODE_WIDTH else node[: NODE_WIDTH - 1] + "…"  # a label, not data
            progress.update(task, completed=done, total=total, count=f"{done} of {total}", node=shown)

        yield update
