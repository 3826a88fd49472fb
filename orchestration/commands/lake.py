"""`spanledger compact`: merge the lake's small files (landing does it for the dates it touched)."""

from __future__ import annotations

import json

import click

from orchestration.commands.common import out, settings_of


@click.command("compact")
@click.option(
    "--date",
    "dates",
    multiple=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Only these event dates (repeatable; default: every date of every table).",
)
@click.option(
    "--min-files",
    type=click.IntRange(2, 100_000),
    help="Compact a date folder from this many small files (default: SPANLEDGER_COMPACT_MIN_FILES or 8).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def compact(ctx, dates, min_files, as_json) -> None:
    """Merge each lake date folder's small Parquet files into few (rows unchanged, exactly once).

    Landing already compacts the dates it adds files to; run this once on a lake landed before
    compaction existed, or after lowering --min-files. Waits for a running landing; skips the run
    (exit 0, says so) while a warehouse build is reading the lake.

    \b
    Examples:
      spanledger compact                       # every date of every table
      spanledger compact --date 2026-03-01 --min-files 2
    """
    from orchestration.lake.compaction import compact_lake
    from orchestration.lake.schema import LAKE_TABLES

    settings = settings_of(ctx)
    days = {t: [d.date().isoformat() for d in dates] for t in LAKE_TABLES} if dates else None
    report = compact_lake(settings, days, min_files=min_files)
    if as_json:
        out.print_json(json.dumps(report.__dict__))
        return
    out.print(describe(report))


def describe(report) -> str:
    if report.deferred:
        return f"[yellow]compaction deferred[/]: {report.deferred}"
    if not report.files_in:
        return "compaction: no date folder has enough small files"
    return (
        f"compacted {report.files_in:,} files into {report.files_out:,} in {report.folders:,} date folders "
        f"({report.rows:,} rows, {report.bytes_in / 1e6:,.1f} MB → {report.bytes_out / 1e6:,.1f} MB) "
        f"in {report.seconds:.1f}s"
    )


COMMANDS = [compact]
