"""`spanledger land`: new OTLP files and bucket objects into the lake, with progress and a report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn

from orchestration.commands.common import (
    CliError,
    console,
    out,
    record_in_dagster,
    settings_of,
    terminal_progress,
)
from orchestration.settings import Settings
from orchestration.terminal_tables import print_rows


class _ProgressLines:
    """Progress where no bar can be drawn (a log, CI, nohup): a plain line at most every `every` s."""

    def __init__(self, what: str, unit: str, every: float = 15.0):
        self.what, self.unit, self.every = what, unit, every  # unit: "MB" (of bytes) or a count's noun
        self.started = self.last = time.monotonic()

    def __call__(self, done: int, total: int, files: tuple[int, int] | None = None) -> None:
        now = time.monotonic()
        if now - self.last < self.every or not total or done >= total:
            return
        self.last = now
        rate = done / (now - self.started)
        left = (total - done) / rate if rate else 0
        scale = 1e6 if self.unit == "MB" else 1
        console.print(
            f"{self.what}: {done / scale:,.0f} of {total / scale:,.0f} {self.unit} ({done / total:.0%})"
            + (f", {_files_done(files)}" if files else "")
            + f", {rate / scale:,.1f} {self.unit}/s, about {left / 60:.0f} min left",
            highlight=False,
        )


def _files_done(files: tuple[int, int] | None) -> str:
    return f"{files[0]:,} of {files[1]:,} files" if files else ""


def land_with_progress(
    settings: Settings,
    inputs: list[Path | str] | None,
    settle: float | None,
    workers: int | None,
    final: bool = False,
    listing: str = "auto",
):
    from orchestration.defs.cli_history import landing_events
    from orchestration.landing import LandingError, land
    from orchestration.locks import LakeBusy

    with terminal_progress(
        TextColumn("[bold]landing[/] {task.fields[name]}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[files]}"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("landing", total=None, name="", files="")
        lines = {
            "landing": _ProgressLines("landing", "MB"),
            "compacting": _ProgressLines("compacting", "merges"),
        }

        def on_progress(name: str, done: int, total: int, *, files: tuple[int, int] | None = None) -> None:
            progress.update(task, completed=done, total=total, name=name, files=_files_done(files))
            if not console.is_terminal:
                lines["compacting" if name == "compacting" else "landing"](done, total, files)

        try:
            report = land(
                settings,
                inputs,
                settle_seconds=settle,
                final=final,
                workers=workers,
                progress=on_progress,
                listing=listing,
            )
        except (LandingError, LakeBusy) as err:
            raise CliError(str(err)) from None
    record_in_dagster(settings, lambda command: landing_events(report, command))
    return report


def print_landing(report, as_json: bool, settings: Settings) -> None:
    meta = report.to_metadata()
    if as_json:
        out.print_json(json.dumps({**meta, "files": [f.__dict__ for f in report.files]}))
        return
    shown = [f for f in report.files if f.outcome != "unchanged"]
    if shown:
        print_rows(
            out,
            ("file", "outcome", "format", "records in", "landed", "quarantined"),
            [
                (
                    Path(f.path).name,
                    f.outcome + (f" ({f.detail})" if f.detail else ""),
                    f.format or "",
                    f"{f.records_in:,}",
                    f"{f.records_landed:,}",
                    f"{f.records_quarantined:,}",
                )
                for f in shown
            ],
            title="Landing",
        )
    unchanged = report.count("unchanged")
    rows = ", ".join(f"{t} {n:,}" for t, n in sorted(meta["rows"].items()) if n)
    out.print(
        f"[bold]{meta['files_landed']}[/] files landed, {meta['files_duplicate']} duplicate, "
        f"{unchanged} already landed, {meta['files_settling']} still being written · "
        f"records in {meta['records_in']:,} = landed {meta['records_landed']:,} + quarantined "
        f"{meta['records_quarantined']:,}"
        + (
            f" + suppressed (erased subjects) {meta['records_suppressed']:,}"
            if meta["records_suppressed"]
            else ""
        )
        + f" · {meta['bytes_in'] / 1e6:.1f} MB in {meta['seconds']:.1f}s"
    )
    if meta["units_unreadable"]:
        out.print(
            f"[yellow]unreadable[/]: {meta['units_unreadable']:,} piece(s), {meta['bytes_unreadable']:,} bytes "
            "(malformed or corrupt, records not countable) quarantined by size"
        )
    if meta["files_waiting"]:
        out.print(
            f"waiting: {meta['files_waiting']} file(s) end in a record cut mid-write ({meta['bytes_waiting']:,} "
            f"bytes); it lands when the writer finishes it, or is quarantined once the file has not changed for "
            f"{settings.tail_timeout_seconds:g}s (or now: `spanledger land --final`)"
        )
    if rows:
        out.print(f"rows: {rows}")
    if meta["files_landed"] and not meta["hot_path"].startswith("compiled"):
        console.print(
            f"[yellow]landing ran its hot path as {meta['hot_path']}[/]: about 1.3× slower; an install "
            "with a C compiler (`uv sync`) compiles it"
        )
    if (
        meta["files_landed"]
        and meta["native_decoder"] != "compiled"
        and not meta["native_decoder"].startswith("off")
    ):
        console.print(
            f"[yellow]trace lines went through the Python path: the native decoder is "
            f"{meta['native_decoder']}[/]; landing traces is about 5× slower"
        )
    for example in report.quarantine_examples[:5]:
        out.print(f"[yellow]quarantined[/] {example}")
    for listed in meta["buckets"]:
        out.print(
            f"{listed['input']}: {listed['listing']} listing, {listed['keys_listed']:,} keys, "
            f"{listed['objects_new']:,} new or changed object(s) downloaded ({listed['bytes_downloaded'] / 1e6:.1f} MB)"
        )
    if report.compaction.files_in or report.compaction.deferred:
        from orchestration.commands.lake import describe

        out.print(describe(report.compaction))


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--settle-seconds",
    type=float,
    help="Skip files modified more recently than this "
    "(default: SPANLEDGER_SETTLE_SECONDS or 10; files named explicitly: 0).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Decoder processes (default: SPANLEDGER_LANDING_WORKERS, else one per core, at most 4).",
)
@click.option(
    "--final",
    is_flag=True,
    help="The writers are done: a record a file ends in the middle of is quarantined as truncated now, "
    "instead of waiting SPANLEDGER_TAIL_TIMEOUT_SECONDS (600) for the writer to finish it.",
)
@click.option(
    "--listing",
    type=click.Choice(["full", "incremental", "auto"]),
    default="full",
    show_default=True,
    help="Bucket inputs: list every key (full), or from the stored cursor on (incremental; auto: incremental "
    "unless SPANLEDGER_BUCKET_FULL_SWEEP_MINUTES have passed since the last full listing).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def land(ctx, paths, settle_seconds, workers, final, listing, as_json) -> None:
    """Land new OTLP files (folders are searched recursively, buckets by prefix) into the Parquet lake,
    exactly once.

    \b
    Examples:
      spanledger land                         # the data directory's inbox
      spanledger land /var/otel/export        # a collector's file exporter folder
      spanledger land traces.jsonl.zst logs.pb --json
      spanledger land s3://otel-exports/traces/ gs://otel-archive/logs/   # the bucket exporters' objects
    """
    from orchestration.landing.buckets import is_bucket_uri

    settings = settings_of(ctx)
    inputs: list[Path | str] = [p if is_bucket_uri(p) else Path(p) for p in paths]
    for path in inputs:
        if isinstance(path, Path) and not path.exists():
            raise CliError(f"input path does not exist: {path}")
    explicit_files = inputs and all(isinstance(p, str) or p.is_file() for p in inputs)
    settle = settle_seconds if settle_seconds is not None else (0.0 if explicit_files else None)
    report = land_with_progress(settings, inputs or None, settle, workers, final, listing)
    print_landing(report, as_json, settings)


COMMANDS = [land]
