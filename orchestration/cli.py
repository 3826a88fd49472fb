"""`spanledger`: generate demo telemetry, land OTLP files, build the warehouse, look at the results.

Every command takes --data-dir (or SPANLEDGER_DATA_DIR, default ./data): the lake, the warehouse,
the manifest and the Dagster instance all live there, so pipelines can sit side by side.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from orchestration.settings import Settings

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
      spanledger run                     # demo: generate telemetry, land it, build the warehouse
      spanledger generate --days 7       # realistic OTLP exports into <data-dir>/inbox
      spanledger land /var/otel/export   # land a drop folder (new files only, exactly once)
      spanledger build                   # dbt build of staging → intermediate → marts
      spanledger status                  # manifest and quarantine summary
      spanledger query sql/daily_cost_by_feature.sql
      spanledger report chargeback --month 2025-02   # finance: FOCUS CSV + Parquet + HTML report
      spanledger docs                    # the warehouse docs (every model and column) in a browser
      spanledger check                   # data quality: GX suites, dbt tests, lake file scan
      spanledger retention apply --dry-run   # what retention would remove, per data class
      spanledger erase --user ID         # GDPR erasure across lake and warehouse, with a ledger
      spanledger prices refresh          # regenerate the model price seed from genai-prices
      spanledger ui                      # the same pipeline, scheduled, in the Dagster UI
    """
    os.environ["SPANLEDGER_DATA_DIR"] = str(data_dir.expanduser().resolve())
    ctx.obj = {"settings": Settings.from_env(data_dir)}


# --- generate ---------------------------------------------------------------------------------

FORMATS = ["jsonl", "jsonl.gz", "jsonl.zst", "json", "proto-framed", "proto-framed-zstd", "proto"]


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write (default: <data-dir>/inbox).",
)
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 3650))
@click.option(
    "--start-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (default: DAYS ago)."
)
@click.option("--tenants", default=5, show_default=True, type=click.IntRange(1, 1000))
@click.option("--requests-per-day", default=200, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    default=["jsonl"],
    show_default=True,
    help="Repeat to write several formats of the same data.",
)
@click.option("--no-claude-code", is_flag=True, help="Leave out Claude Code telemetry.")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the ground-truth counts as JSON here.",
)
@click.pass_context
def generate(
    ctx, out_dir, days, start_date, tenants, requests_per_day, seed, formats, no_claude_code, summary_path
) -> None:
    """Write realistic OTLP exports of a multi-tenant LLM application (deterministic by seed).

    \b
    Examples:
      spanledger generate                              # 3 days, 5 tenants into <data-dir>/inbox
      spanledger generate --days 30 --requests-per-day 20000 --format jsonl.zst
      spanledger generate --out /tmp/otel --format proto-framed-zstd --seed 7
    """
    from orchestration.generator import GeneratorConfig, write_summary
    from orchestration.generator import generate as run_generator

    settings = _settings(ctx)
    target = out_dir or settings.inbox_dir
    config = GeneratorConfig(
        out_dir=target,
        days=days,
        start_date=start_date.date() if start_date else None,
        tenants=tenants,
        requests_per_day=requests_per_day,
        seed=seed,
        formats=tuple(formats),
        include_claude_code=not no_claude_code,
    )
    total = days * requests_per_day
    with _progress() as progress:
        task = progress.add_task("generating", total=total)
        summary = run_generator(config, progress=lambda n: progress.update(task, completed=n))
    if summary_path:
        write_summary(summary, summary_path)
    info = summary.to_dict()
    console.print(
        f"[green]generated[/] {info.get('spans', 0):,} spans, {info.get('log_records', 0):,} log records, "
        f"{info.get('metric_points', 0):,} metric points in {len(info.get('files', []))} files → {target}"
    )


# --- land -------------------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


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
            return land(
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


def _print_landing(report, as_json: bool, settings: Settings) -> None:
    meta = report.to_metadata()
    if as_json:
        out.print_json(json.dumps({**meta, "files": [f.__dict__ for f in report.files]}))
        return
    table = Table(title="Landing", show_edge=False)
    for column in ("file", "outcome", "format", "records in", "landed", "quarantined"):
        table.add_column(
            column, justify="right" if column in ("records in", "landed", "quarantined") else "left"
        )
    for f in report.files:
        if f.outcome in ("unchanged",):
            continue
        table.add_row(
            Path(f.path).name,
            f.outcome + (f" ({f.detail})" if f.detail else ""),
            f.format or "",
            f"{f.records_in:,}",
            f"{f.records_landed:,}",
            f"{f.records_quarantined:,}",
        )
    if table.row_count:
        out.print(table)
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
    from orchestration.warehouse.dbt_runner import run_dbt_build

    if settings.warehouse == "bigquery":
        _load_bigquery(settings, touched)
    console.print(f"[bold]dbt build[/] ({settings.warehouse}) staging → intermediate → marts …")
    result = run_dbt_build(settings, full_refresh=full_refresh)
    if not result.success:
        raise CliError(f"dbt build failed: {result.summary}; see {result.log_path}")
    console.print(f"[green]dbt build ok[/] {result.summary}")


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
    help="Drop folder(s) to land. Without it, the inbox is used and, when empty, demo data is generated.",
)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650), help="Demo data: days.")
@click.option("--requests-per-day", default=300, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--skip-build", is_flag=True, help="Land only (on BigQuery: land and load, no dbt).")
@click.pass_context
def run(ctx, inputs, days, requests_per_day, skip_build) -> None:
    """The whole pipeline: (generate demo data) → land → dbt build → summary.

    With SPANLEDGER_WAREHOUSE=bigquery: land → load into BigQuery every day the landing touched (and
    any other day that changed since its last load) and the compliance export → dbt build there.

    \b
    Examples:
      spanledger run                           # the demo on the embedded default (DuckDB, ./data)
      spanledger run --input /var/otel/export  # a real drop folder
    """
    settings = _settings(ctx)
    settle = None
    if not inputs:
        inbox = settings.inbox_dir
        if not inbox.exists() or not any(p for p in inbox.rglob("*") if p.is_file()):
            ctx.invoke(generate, days=days, requests_per_day=requests_per_day, formats=["jsonl"])
            from orchestration.skills.demo import snapshot_demo_catalog

            snapshot_demo_catalog(settings, days)  # the demo's skills catalog, as of its first day
        settle = 0.0  # the generator writes atomically: nothing in the inbox is half-written
    report = _land(settings, list(inputs) or None, settle, None)
    _print_landing(report, False, settings)
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
        f"  warehouse   {settings.warehouse_path}  (duckdb; marts in schemas finops, reliability, evals, quality)\n"
        f"  try         spanledger query sql/daily_cost_by_feature.sql"
    )


# --- status -------------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx, as_json) -> None:
    """What has landed: files, records in = landed + quarantined, rows per table, quarantine reasons."""
    from orchestration.manifest import Manifest
    from orchestration.quarantine import quarantine_summary

    settings = _settings(ctx)
    if not settings.manifest_path.exists():
        raise CliError(
            f"nothing has landed in {settings.data_dir} yet; run `spanledger land` or `spanledger run`"
        )
    manifest = Manifest(settings.manifest_path, read_only=True)
    try:
        summary = manifest.summary()
    finally:
        manifest.close()
    reasons = quarantine_summary(settings)
    if as_json:
        out.print_json(json.dumps({**summary, "quarantine": reasons}))
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
    table = Table(title="Lake rows", show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in sorted(summary["rows"].items()):
        table.add_row(name, f"{n:,}")
    out.print(table)
    if reasons:
        qt = Table(title="Quarantine", show_edge=False)
        for column in ("field", "reason", "entries", "records"):
            qt.add_column(column)
        for r in reasons:
            qt.add_row(r["field"] or "", r["reason"], str(r["entries"]), str(r["records"]))
        out.print(qt)


# --- prices -----------------------------------------------------------------------------------


@main.group()
def prices() -> None:
    """The model price table (dbt seed) used when providers do not report cost."""


@prices.command("refresh")
def prices_refresh() -> None:
    """Regenerate dbt_project/seeds/model_prices.csv from the installed genai-prices package."""
    from orchestration.pricing.refresh import DEFAULT_SEED_PATH, refresh_prices

    summary = refresh_prices(DEFAULT_SEED_PATH)
    out.print(f"[green]wrote[/] {DEFAULT_SEED_PATH}: {summary}")


@main.command()
@click.option("--port", default=3000, show_default=True, type=int)
@click.pass_context
def ui(ctx, port) -> None:
    """Start `dagster dev` with its instance (runs, schedules, sensors) inside the data directory.

    \b
    Examples:
      spanledger ui                      # http://127.0.0.1:3000: asset graph, jobs, schedules
      spanledger --data-dir /srv/spanledger ui --port 3001
    """
    import shutil

    settings = _settings(ctx)
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    repo_root = Path(__file__).resolve().parent.parent
    shutil.copyfile(repo_root / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SPANLEDGER_DATA_DIR": str(settings.data_dir)}
    dagster = Path(sys.executable).parent / "dagster"
    console.print(f"Dagster UI on http://127.0.0.1:{port} (instance in {home})")
    # exec, not a child process: Ctrl-C and kill reach dagster dev itself, which stops its children
    os.chdir(repo_root)
    os.execve(str(dagster), [str(dagster), "dev", "-m", "orchestration.definitions", "-p", str(port)], env)


# Commands of other areas live in orchestration/commands/<area>.py, each exposing COMMANDS.
COMMAND_MODULES = ("query", "lake", "compliance", "quality", "reports", "bigquery", "skills")


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
