"""`spanledger demo` and `spanledger generate`: synthetic telemetry, kept apart from real telemetry.

The demo generates into its data directory's inbox, lands and builds; the data directory is marked as
holding generated data (orchestration/landing/origin.py), so real exports are never landed into it and
the demo is never generated into a data directory that holds real data.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from orchestration.commands.common import CliError, console, terminal_progress

FORMATS = ["jsonl", "jsonl.gz", "jsonl.zst", "json", "proto-framed", "proto-framed-zstd", "proto"]


def _generate(settings, config) -> dict:
    """Run the generator with a progress bar; files written into the inbox join the demo marker."""
    from orchestration.generator import generate as run_generator
    from orchestration.landing.origin import record_generated_files

    into_inbox = config.out_dir.resolve() == settings.inbox_dir.resolve()
    with terminal_progress(
        SpinnerColumn(), TextColumn("[bold]generating[/] {task.completed:,.0f} spans"), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("generating", total=None)
        summary = run_generator(config, progress=lambda n: progress.update(task, completed=n))
    if into_inbox:
        record_generated_files(settings, [Path(f.path) for f in summary.files])
    return summary


def _claim_inbox(settings, generator: str) -> None:
    from orchestration.landing.origin import MixedDataError, claim_for_generated_data

    try:
        claim_for_generated_data(settings, generator)
    except MixedDataError as err:
        raise CliError(str(err)) from None


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write (default: <data-dir>/inbox, which marks the data directory as a demo).",
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

    Into the data directory's inbox (the default) only when it holds no real telemetry; the data
    directory is then a demo one, where only generated files land.

    \b
    Examples:
      spanledger generate --out /tmp/otel              # 3 days, 5 tenants, anywhere
      spanledger generate --days 30 --requests-per-day 20000 --format jsonl.zst --out /tmp/otel
      spanledger generate                              # into <data-dir>/inbox (a demo data directory)
    """
    from orchestration.generator import GeneratorConfig, write_summary

    settings = ctx.obj["settings"]
    target = out_dir or settings.inbox_dir
    if target.resolve() == settings.inbox_dir.resolve():
        _claim_inbox(settings, "spanledger generate")
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
    summary = _generate(settings, config)
    if summary_path:
        write_summary(summary, summary_path)
    info = summary.to_dict()
    console.print(
        f"[green]generated[/] {info.get('spans', 0):,} spans, {info.get('log_records', 0):,} log records, "
        f"{info.get('metric_points', 0):,} metric points in {len(info.get('files', []))} files → {target}"
    )


@click.command()
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650))
@click.option("--requests-per-day", default=300, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--skip-build", is_flag=True, help="Generate and land only.")
@click.pass_context
def demo(ctx, days, requests_per_day, skip_build) -> None:
    """Try Spanledger on generated telemetry: 5 tenants' LLM app, landed and built, in a demo lake.

    The data directory is marked as holding generated data: real exports are never landed into it, and
    the demo refuses a data directory that holds real telemetry (use --data-dir for another one). Run
    again, it lands nothing new and rebuilds.

    \b
    Examples:
      spanledger demo                                  # 7 days into ./data
      spanledger --data-dir /tmp/spanledger-demo demo --days 30
    """
    from orchestration.commands.landing import land_with_progress, print_landing
    from orchestration.commands.pipeline import finish_pipeline
    from orchestration.generator import GeneratorConfig
    from orchestration.landing.origin import generated_files

    settings = ctx.obj["settings"]
    _claim_inbox(settings, "spanledger demo")
    if generated_files(settings):
        console.print(f"the demo's telemetry is already generated in {settings.inbox_dir}")
    else:
        config = GeneratorConfig(out_dir=settings.inbox_dir, days=days, requests_per_day=requests_per_day)
        info = _generate(settings, config).to_dict()
        console.print(
            f"[green]generated[/] {info.get('spans', 0):,} spans of {days} days → {settings.inbox_dir}"
        )
        from orchestration.skills.demo import snapshot_demo_catalog

        snapshot_demo_catalog(settings, days)  # the demo's skills catalog, as of its first day
    # the generator writes atomically: nothing is half-written, so nothing needs to settle
    report = land_with_progress(settings, None, 0.0, None)
    print_landing(report, False, settings)
    finish_pipeline(settings, report, skip_build)


COMMANDS = [demo, generate]
