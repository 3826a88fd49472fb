"""`spanledger`: generate demo telemetry, land OTLP files, build the warehouse, look at the results.

Every command takes --data-dir (or SPANLEDGER_DATA_DIR, default ./data): the lake, the warehouse,
the manifest and the Dagster instance all live there, so pipelines can sit side by side.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from orchestration.settings import Settings
from orchestration.terminal_tables import print_rows

console = Console(stderr=True)
out = Console()


class CliError(click.ClickException):
    """One clear line, no traceback, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        # one line at any width; the message may quote user input, which is not markup
        console.print(f"[bold red]error:[/] {escape(self.message)}", soft_wrap=True)


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SPANLEDGER_DATA_DIR",
    default="data",
    show_default=True,
    help="Holds lake/, warehouse.duckdb, state/ and dagster/.",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
    """Spanledger: OTLP exports of LLM apps → Parquet lake → dbt warehouse for FinOps, SRE and evals.

    \b
    The workflow:
      spanledger demo                    # try it: generate telemetry, land it, build (a demo lake)
      spanledger run --input /var/otel/export   # your telemetry: land it, build the warehouse
      spanledger land /var/otel/export   # land a drop folder (new files only, exactly once)
      spanledger build                   # dbt build of staging → intermediate → marts
      spanledger status                  # manifest and quarantine summary
      spanledger query sql/daily_cost_by_feature.sql
      spanledger sql                     # an interactive, read-only SQL shell on the warehouse
      spanledger report chargeback --month 2025-02   # finance: FOCUS CSV + Parquet + HTML report
      spanledger docs                    # the warehouse docs (every model and column) in a browser
      spanledger check                   # data quality: GX suites, dbt tests, lake file scan
      spanledger retention apply --dry-run   # what retention would remove, per data class
      spanledger erase --user ID         # GDPR erasure across lake and warehouse, with a ledger
      spanledger prices refresh          # new genai-prices seeds: diff per tenant and month, then publish
      spanledger ui                      # the same pipeline, scheduled, in the Dagster UI
    """
    os.environ["SPANLEDGER_DATA_DIR"] = str(data_dir.expanduser().resolve())
    ctx.obj = {"settings": Settings.from_env(data_dir)}


# --- land -------------------------------------------------------------------------------------


class _ProgressLines:
    """Progress where no bar can be drawn (a log, CI, nohup): a plain line at most every `every` s."""

    def __init__(self, what: str, unit: str, every: float = 15.0):
        self.what, self.unit, self.every = what, unit, every  # unit: "MB" (of bytes) or a count's noun
        self.started = self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every or not total or done >= total:
            return
        self.last = now
        rate = done / (now - self.started)
        left = (total - done) / rate if rate else 0
        scale = 1e6 if self.unit == "MB" else 1
        console.print(
            f"{self.what}: {done / scale:,.0f} of {total / scale:,.0f} {self.unit} ({done / total:.0%}), "
            f"{rate / scale:,.1f} {self.unit}/s, about {left / 60:.0f} min left",
            highlight=False,
        )


def _land(
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

    with Progress(
        TextColumn("[bold]landing[/] {task.fields[name]}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("landing", total=None, name="")
        lines = {
            "landing": _ProgressLines("landing", "MB"),
            "compacting": _ProgressLines("compacting", "merges"),
        }

        def on_progress(name: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, name=name)
            if not console.is_terminal:
                lines["compacting" if name == "compacting" else "landing"](done, total)

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
    _record_in_dagster(settings, lambda command: landing_events(report, command))
    return report


def _record_in_dagster(settings: Settings, events) -> None:
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


def _print_landing(report, as_json: bool, settings: Settings) -> None:
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


@main.command()
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

    settings = _settings(ctx)
    inputs: list[Path | str] = [p if is_bucket_uri(p) else Path(p) for p in paths]
    for path in inputs:
        if isinstance(path, Path) and not path.exists():
            raise CliError(f"input path does not exist: {path}")
    explicit_files = inputs and all(isinstance(p, str) or p.is_file() for p in inputs)
    settle = settle_seconds if settle_seconds is not None else (0.0 if explicit_files else None)
    report = _land(settings, inputs or None, settle, workers, final, listing)
    _print_landing(report, as_json, settings)


# --- build and run ----------------------------------------------------------------------------


def _load_bigquery(settings: Settings, touched: dict[str, list[str]] | None = None) -> None:
    """On BigQuery dbt reads the loaded lake: load the days that changed and the compliance export first."""
    from orchestration.warehouse.bigquery.sync import load_changed_days

    console.print("[bold]BigQuery load[/] lake days that changed + compliance export …")
    report = load_changed_days(settings, touched)
    for item in report.loaded:
        console.print(f"  {item.table} {item.day}: {item.rows:,} rows")
    days = sorted({item.day for item in report.loaded})
    console.print(
        f"[green]loaded[/] {len(report.loaded)} table days into {report.destination}"
        + (f" ({days[0]} … {days[-1]})" if days else " (lake unchanged since the last load)")
    )


def _build(
    settings: Settings, full_refresh: bool = False, touched: dict[str, list[str]] | None = None
) -> None:
    from orchestration.build_progress import dbt_build_progress
    from orchestration.defs.cli_history import dbt_build_events
    from orchestration.warehouse.dbt_runner import dbt_target_dir, run_dbt_build

    if settings.warehouse == "bigquery":
        _load_bigquery(settings, touched)
    console.print(f"[bold]dbt build[/] ({settings.warehouse}) staging → intermediate → marts …")
    with dbt_build_progress(console) as progress:
        result = run_dbt_build(settings, full_refresh=full_refresh, progress=progress)
    if not result.success:
        raise CliError(f"dbt build failed: {result.summary}; see {result.log_path}")
    console.print(f"[green]dbt build ok[/] {result.summary}")
    days = None if touched is None else {day for table_days in touched.values() for day in table_days}
    _record_in_dagster(
        settings, lambda command: dbt_build_events(settings, dbt_target_dir(settings), command, days)
    )


@main.command()
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from the whole lake.")
@click.pass_context
def build(ctx, full_refresh) -> None:
    """Run `dbt build` (models + tests) on the warehouse (DuckDB file by default).

    With SPANLEDGER_WAREHOUSE=bigquery the lake days that changed since their last load (and the
    compliance export) are loaded into BigQuery first, then dbt builds on the bigquery target.

    \b
    Examples:
      spanledger build                   # new dates of the lake into the warehouse
      spanledger build --full-refresh    # rebuild the incremental models from the whole lake
    """
    _build(_settings(ctx), full_refresh)


@main.command()
@click.option(
    "--input",
    "inputs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Drop folder(s) to land (default: the inbox). Never generates data: that is `spanledger demo`.",
)
@click.option("--skip-build", is_flag=True, help="Land only (on BigQuery: land and load, no dbt).")
@click.pass_context
def run(ctx, inputs, skip_build) -> None:
    """The whole pipeline on your telemetry: land → dbt build → summary.

    With SPANLEDGER_WAREHOUSE=bigquery: land → load into BigQuery every day the landing touched (and
    any other day that changed since its last load) and the compliance export → dbt build there.

    \b
    Examples:
      spanledger run --input /var/otel/export  # a collector's drop folder
      spanledger run                           # the inbox, <data-dir>/inbox
      spanledger demo                          # generated telemetry instead, in a lake of its own
    """
    from orchestration.landing import candidate_files
    from orchestration.landing.origin import landed_file_count, next_step_hint

    settings = _settings(ctx)
    if not inputs:
        inbox = settings.inbox_dir
        if not (inbox.is_dir() and candidate_files([inbox])) and not landed_file_count(settings):
            raise CliError(f"nothing to land: the inbox {inbox} is empty; {next_step_hint(settings)}")
        inbox.mkdir(parents=True, exist_ok=True)  # a lake with data and no inbox yet: nothing new, build
    report = _land(settings, list(inputs) or None, None, None)
    _print_landing(report, False, settings)
    finish_pipeline(settings, report, skip_build)


def finish_pipeline(settings: Settings, report, skip_build: bool) -> None:
    """After a landing: build (or only load, on BigQuery) and say where the results are."""
    if not skip_build:
        _build(settings, touched=report.days)
    elif settings.warehouse == "bigquery":
        _load_bigquery(settings, report.days)
    if settings.warehouse == "bigquery":
        from orchestration.warehouse.bigquery.config import BigQueryConfig

        bq = BigQueryConfig.from_env()
        out.print(
            f"\n[bold]Results[/]:\n"
            f"  lake        {settings.lake_dir}/<table>/date=YYYY-MM-DD/*.parquet, loaded into "
            f"{bq.project}.{bq.lake_dataset}\n"
            f"  warehouse   BigQuery {bq.project}: marts in datasets {bq.warehouse_dataset}_finops, "
            f"_reliability, _evals, _quality"
        )
        return
    out.print(
        f"\n[bold]Results[/] in {settings.data_dir}:\n"
        f"  lake        {settings.lake_dir}/<table>/date=YYYY-MM-DD/*.parquet\n"
        f"  warehouse   {settings.warehouse_path}  (duckdb; marts in schemas finops, reliability, evals, quality, "
        "developer_tools)\n"
        f"  try         spanledger query sql/daily_cost_by_feature.sql",
        soft_wrap=True,
    )


# --- status -------------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx, as_json) -> None:
    """What has landed: files, records in = landed + quarantined, rows per table, quarantine reasons."""
    from orchestration.landing.origin import next_step_hint
    from orchestration.manifest import Manifest
    from orchestration.quarantine import quarantine_summary

    settings = _settings(ctx)
    if not settings.manifest_path.exists():
        raise CliError(f"nothing has landed in {settings.data_dir} yet; {next_step_hint(settings)}")
    manifest = Manifest(settings.manifest_path, read_only=True)
    try:
        summary = manifest.summary()
    finally:
        manifest.close()
    reasons = quarantine_summary(settings)
    over_budget = _budget_alerts(settings)
    if as_json:
        out.print_json(json.dumps({**summary, "quarantine": reasons, "over_budget": over_budget}))
        return
    out.print(
        f"[bold]{summary['files_landed']}[/] files landed ({summary['bytes_landed'] / 1e6:.1f} MB); "
        f"paths seen: {summary['paths']}"
    )
    out.print(
        f"records in {summary['records_in']:,} = landed {summary['records_landed']:,} + quarantined "
        f"{summary['records_quarantined']:,}"
        + (f" + suppressed {summary['records_suppressed']:,}" if summary["records_suppressed"] else "")
    )
    if summary["pending_publish"]:
        out.print(
            f"[yellow]{summary['pending_publish']} publish(es) interrupted; the next landing completes them"
        )
    print_rows(
        out, ("table", "rows"), [(n, f"{v:,}") for n, v in sorted(summary["rows"].items())], title="Lake rows"
    )
    if reasons:
        print_rows(
            out,
            ("field", "reason", "entries", "records"),
            [(r["field"] or "", r["reason"], r["entries"], r["records"]) for r in reasons],
            title="Quarantine",
        )
    for line in over_budget:
        out.print(f"[yellow]budget:[/] {escape(line)}", highlight=False, soft_wrap=True)


def _budget_alerts(settings) -> list[str]:
    """Tenants projected over budget this month; none before the warehouse has the mart."""
    from orchestration.reports.budgets import describe, projected_over_budget
    from orchestration.reports.marts import ReportError

    if settings.warehouse == "duckdb" and not settings.warehouse_path.exists():
        return []
    try:
        return [describe(row) for row in projected_over_budget(settings)]
    except ReportError:
        return []


# Commands of other areas live in orchestration/commands/<area>.py, each exposing COMMANDS.
COMMAND_MODULES = (
    "demo",
    "query",
    "sql_shell",
    "lake",
    "compliance",
    "quality",
    "reports",
    "ui",
    "bigquery",
    "skills",
    "prices",
)


def _register_area_commands() -> None:
    import importlib

    for area in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"orchestration.commands.{area}")
        except ModuleNotFoundError as err:
            if err.name == f"orchestration.commands.{area}":
                continue  # that area has no commands yet
            raise
        for command in module.COMMANDS:
            main.add_command(command)


_register_area_commands()


def run_cli() -> None:
    """Console entry point: unexpected failures become one line too (SPANLEDGER_DEBUG=1 shows more)."""
    try:
        main(standalone_mode=True)
    except Exception as err:  # the last line of defence for a clean CLI
        if os.environ.get("SPANLEDGER_DEBUG"):
            raise
        console.print(f"[bold red]error:[/] {type(err).__name__}: {err} (set SPANLEDGER_DEBUG=1 for details)")
        raise SystemExit(1) from None


if __name__ == "__main__":
    run_cli()
