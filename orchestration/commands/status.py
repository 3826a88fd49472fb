"""`spanledger status`: what has landed, what was quarantined and why, and budgets projected over."""

from __future__ import annotations

import json

import click
from rich.markup import escape

from orchestration.commands.common import CliError, out, settings_of
from orchestration.terminal_tables import print_rows


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx, as_json) -> None:
    """What has landed: files, records in = landed + quarantined, rows per table, quarantine reasons."""
    from orchestration.landing.origin import next_step_hint
    from orchestration.manifest import Manifest
    from orchestration.quarantine import quarantine_summary

    settings = settings_of(ctx)
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


COMMANDS = [status]
