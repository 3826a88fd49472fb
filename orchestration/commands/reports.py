"""`spanledger report chargeback` and `spanledger docs`: what finance and analysts open."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path

import click

from orchestration.commands.common import CliError, console, out


def settings_of(ctx: click.Context):
    return ctx.obj["settings"]


@click.group()
def report() -> None:
    """Reports for finance: the monthly chargeback (FOCUS CSV + Parquet + HTML)."""


@report.command("chargeback")
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="Billing month (default: the month of the latest day in the warehouse).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the <YYYY-MM>/ report folders (default: <data-dir>/reports/chargeback).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the summary.",
)
@click.option("--open", "open_html", is_flag=True, help="Open the HTML report in a browser.")
@click.option(
    "--close",
    "close",
    metavar="YYYY-MM",
    help="Close (book) this month: freeze its lines; later changes become adjustments in the next open month.",
)
@click.option("--by", "closed_by", help="Who closes the month (default: the login name).")
@click.pass_context
def chargeback(ctx, month, out_dir, fmt, open_html, close, closed_by) -> None:
    """Write a month's chargeback: FOCUS CSV, Parquet copy and an HTML report with charts.

    \b
    Reads the FinOps marts of the warehouse, DuckDB or BigQuery (run `spanledger build` first); the CSV
    reconciles with finops.fct_chargeback_focus_monthly to the cent. Files land atomically in
    <out>/<YYYY-MM>/.
    \b
    Examples:
      spanledger report chargeback                         # the latest month in the warehouse
      spanledger report chargeback --month 2025-02
      spanledger report chargeback --month 2025-02 --out /srv/finance --format json
      spanledger report chargeback --close 2025-02 --by "Jane Doe"   # book February, then write it
    """
    from orchestration.reports.chargeback import Month, ReportError, latest_month
    from orchestration.reports.marts import marts_for
    from orchestration.reports.publish import make_chargeback_report

    settings = settings_of(ctx)
    target = out_dir or settings.reports_dir / "chargeback"
    marts = marts_for(settings)
    closed = None
    try:
        if close:
            import getpass

            from orchestration.reports.closing import close_month

            if month and month != close:
                raise ReportError(f"--month {month} and --close {close} name different months")
            month = close
            with console.status(f"closing {close} …"):
                closed = close_month(settings, Month.parse(close), closed_by or getpass.getuser())
        chosen = Month.parse(month) if month else latest_month(marts)
        with console.status(f"building the chargeback report for {chosen} …"):
            files = make_chargeback_report(marts, chosen, target)
    except ReportError as err:
        from orchestration.landing.origin import next_step_hint

        hint = "" if "--month" in str(err) or close else f"; next: {next_step_hint(settings)}"
        raise CliError(f"{err}{hint}") from None
    if fmt == "json":
        extra = {"closed_at": str(closed.closed_at), "closed_by": closed.closed_by} if closed else {}
        out.print_json(json.dumps({"month": str(chosen), **files.to_dict(), **extra}))
    else:
        if closed:
            out.print(
                f"[bold]Closed {chosen}[/]: {closed.lines:,} lines booked on {closed.closed_at:%Y-%m-%d %H:%M} UTC "
                f"by {closed.closed_by}; later changes appear as adjustments in the next open month",
                highlight=False,
            )
        out.print(
            f"[bold]Chargeback {chosen}[/]: {files.rows:,} FOCUS rows, ${files.total_cost_usd:,.2f} "
            f"(reconciles with finops.fct_chargeback_focus_monthly)"
        )
        for label, path, what in (
            ("html", files.html, "the report: totals, month over month, charts, methods"),
            ("csv", files.csv, "FOCUS columns, money as exact decimals"),
            ("parquet", files.parquet, "the same rows, typed"),
            ("summary", files.summary, "row count and totals"),
        ):
            out.print(f"  {label:<8} {path}  [dim]{what}[/]", soft_wrap=True, highlight=False)
    if open_html:
        webbrowser.open(files.html.as_uri())


@click.command()
@click.option("--serve", is_flag=True, help="Serve the docs with `dbt docs serve` instead of opening a file.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port of --serve.")
@click.option("--no-open", is_flag=True, help="Only generate; print where the docs are.")
@click.pass_context
def docs(ctx, serve, port, no_open) -> None:
    """Generate the warehouse docs (`dbt docs generate`): every model, column, test and lineage.

    \b
    Examples:
      spanledger docs                # generate, then open the single-file site in a browser
      spanledger docs --no-open      # generate only; prints the path of static_index.html
      spanledger docs --serve        # dbt's web server on http://localhost:8080
    """
    from orchestration.process_tree import run_until_stopped
    from orchestration.warehouse.dbt_runner import (
        PROJECT_DIR,
        dbt_env,
        dbt_executable,
        dbt_target_dir,
        run_dbt,
    )

    settings = settings_of(ctx)
    if not settings.warehouse_path.exists():
        from orchestration.landing.origin import next_step_hint

        raise CliError(f"no warehouse at {settings.warehouse_path}; next: {next_step_hint(settings)}")
    with console.status("dbt docs generate …"):
        result = run_dbt(settings, ["docs", "generate", "--static"])
    if not result.success:
        raise CliError(f"dbt docs generate failed; see {result.log_path}")
    target = dbt_target_dir(settings)
    static = target / "static_index.html"
    console.print(f"[green]docs generated[/] {static if static.exists() else target / 'index.html'}")
    if serve:
        console.print(f"serving on http://localhost:{port} (Ctrl-C to stop)")
        cmd = [
            dbt_executable(),
            "docs",
            "serve",
            "--port",
            str(port),
            "--no-browser",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target),
        ]
        code = run_until_stopped(
            cmd,
            env=dbt_env(settings),
            cwd=PROJECT_DIR,
            on_stop=lambda why: console.print(f"stopping the docs server ({why}) …", highlight=False),
        )
        raise SystemExit(code)
    if not no_open:
        webbrowser.open((static if static.exists() else target / "index.html").as_uri())


COMMANDS = [report, docs]
