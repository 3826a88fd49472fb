"""`spanledger check`: every expectation suite, a lake scan and dbt's tests, with an HTML report."""

from __future__ import annotations

import json

import click

from orchestration.commands.common import CliError, console, out
from orchestration.terminal_tables import print_rows


@click.command("check")
@click.option(
    "--lake",
    "lake_only",
    is_flag=True,
    help="Only scan the lake: read every Parquet file's footer and schema, find missing files.",
)
@click.option(
    "--date",
    "dates",
    multiple=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Lake suites for these partition dates only (repeatable; default: every date).",
)
@click.option("--skip-dbt", is_flag=True, help="Do not run `dbt test`.")
@click.option(
    "--lock-timeout", type=float, help="Seconds to wait for a running build before `dbt test` gives up."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def check(ctx, lake_only, dates, skip_dbt, lock_timeout, as_json) -> None:
    """Check the data: lake files, GX suites on lake partitions and key marts, dbt tests.

    Writes <data>/reports/quality/index.html; exits 1 when anything blocking failed
    (warnings such as low volume are shown but do not fail).

    \b
    Examples:
      spanledger check                      # everything on the current lake and warehouse
      spanledger check --lake               # corrupt / missing Parquet files only
      spanledger check --date 2025-03-01 --skip-dbt
    """
    from orchestration.quality.checks import run_quality
    from orchestration.quality.report import write_report
    from orchestration.quality.thresholds import THRESHOLDS, ThresholdError
    from orchestration.warehouse.dbt_runner import WarehouseBusyError

    settings = ctx.obj["settings"]
    try:
        for threshold in THRESHOLDS:
            threshold.percent()
    except ThresholdError as err:
        raise CliError(str(err)) from None
    days = [d.date().isoformat() for d in dates] or None
    with console.status("checking …") as status:
        try:
            report = run_quality(
                settings,
                lake_scan=True,
                suites=not lake_only,
                dbt_tests=not (lake_only or skip_dbt),
                days=days,
                lock_timeout=lock_timeout,
                progress=lambda m: status.update(m),
            )
        except WarehouseBusyError as busy:
            raise CliError(str(busy)) from None
    try:
        path = write_report(report, settings)
    except OSError as err:  # a read-only data directory: the checks ran, only the page cannot be kept
        path = None
        console.print(f"[yellow]report not written[/]: {err.strerror}: {err.filename}")
    if as_json:
        out.print_json(json.dumps({**report.to_dict(), "html_report": path and str(path)}, default=str))
    else:
        _print_summary(report)
        if path:
            out.print(f"report: {path}")
    if not report.success:
        raise SystemExit(1)


def _print_summary(report) -> None:
    for problem in report.lake_problems:
        out.print(f"[red]lake[/] {problem.path}: {problem.problem}")
    out.print(
        f"lake: {report.lake_files_scanned} Parquet files read, "
        + (
            f"[red]{len(report.lake_problems)} problem(s)[/]"
            if report.lake_problems
            else "[green]all readable[/]"
        )
    )
    if report.suites:
        ordered = sorted(
            report.suites, key=lambda s: ({"error": 0, "warn": 1, "pass": 2}[s.status], s.target)
        )
        print_rows(
            out,
            ("status", "suite", "target", "rows", "unmet", "first problem"),
            [
                (
                    s.status,
                    s.suite,
                    s.target,
                    f"{s.rows:,}",
                    len(s.failed) + len(s.errors),
                    (s.reasons(limit=1) or [""])[0],
                )
                for s in ordered
            ],
            title="Expectation suites",
        )
        for s in report.suites:
            if s.blocks:
                out.print(f"[red]✗ {s.target}[/]")
                for line in s.reasons(limit=6):
                    out.print(f"    {line}")
    if report.dbt is not None:
        if not report.dbt.ran:
            out.print(f"dbt test: [yellow]not run[/] ({report.dbt.summary})")
        else:
            color = "green" if report.dbt.success else "red"
            out.print(f"dbt test: [{color}]{report.dbt.summary}[/]")
            for failure in report.dbt.failures[:10]:
                out.print(f"    [red]✗[/] {failure}")
    counts = report.counts()
    verdict = "[green]PASSED[/]" if report.success else "[red]FAILED[/]"
    out.print(
        f"{verdict}: {counts['suites']} suites ({counts['pass']} pass, {counts['warn']} warn, "
        f"{counts['error']} error), {counts['expectations']} expectations, "
        f"{counts['expectations_failed']} unmet"
    )
    from orchestration.quality.report import share_text

    counted = [
        ("[yellow]over[/] " if s["over"] else "") + share_text(s) for s in report.shares() if s["count"]
    ]
    if counted:
        out.print("  counted: " + "; ".join(counted), highlight=False, soft_wrap=True)


COMMANDS = [check]
