"""`spanledger bigquery ...`: set up the lake dataset, load days, erase a subject, show the manifest."""

from __future__ import annotations

import click
from rich.console import Console

console = Console(stderr=True)


def _context(ctx: click.Context):
    from orchestration.settings import Settings
    from orchestration.warehouse.bigquery.client import make_client
    from orchestration.warehouse.bigquery.config import BigQueryConfig

    settings = ctx.obj["settings"] if ctx.obj else Settings.from_env()
    config = BigQueryConfig.from_env()
    return settings, config, make_client(config)


@click.group("bigquery")
def bigquery_group() -> None:
    """BigQuery warehouse: load the lake with load jobs, erase subjects by DML.

    \b
    Configuration (environment): SPANLEDGER_BQ_PROJECT, SPANLEDGER_BQ_LOCATION, SPANLEDGER_BQ_DATASET,
    SPANLEDGER_LAKE_SCHEMA (lake dataset), SPANLEDGER_LAKE_URI (gs://... lake), Google credentials.
    """


@bigquery_group.command("setup")
@click.pass_context
def setup(ctx: click.Context) -> None:
    """Create the lake dataset and its day-partitioned, tenant-clustered tables (or align expiration)."""
    from orchestration.warehouse.bigquery.tables import ensure_lake

    _, config, client = _context(ctx)
    ensure_lake(client, config)
    console.print(f"[green]ready[/] {config.project}.{config.lake_dataset}")


@bigquery_group.command("load")
@click.option(
    "--date",
    "dates",
    multiple=True,
    help="Event date YYYY-MM-DD (repeat); default: every day that changed since its last load.",
)
@click.option("--table", "tables", multiple=True, help="Lake table (repeat); default: all five.")
@click.option(
    "--force",
    is_flag=True,
    help="Load even when the day's files have not changed (every lake date without --date).",
)
@click.pass_context
def load(ctx: click.Context, dates: tuple[str, ...], tables: tuple[str, ...], force: bool) -> None:
    """Load lake days into BigQuery; each day replaces its partition (safe to rerun). The compliance
    ledger's export (erased subjects, requests, policy) is refreshed too: dbt's compliance tests read it."""
    from orchestration.compliance.bigquery_export import load_compliance_exports
    from orchestration.warehouse.bigquery.loader import DayLoader, days_to_load, lake_days

    settings, config, client = _context(ctx)
    loader = DayLoader(client, config, settings)
    if dates or force:
        days = list(dates) or lake_days(settings, list(tables) or None)
        loads = loader.load_days(days, list(tables) or None, force=force)
    else:  # what changed since the last load (new, late, rewritten or emptied days)
        wanted = days_to_load(settings, config, tables=list(tables) or None)
        loads = [loader.load_day(t, d) for t, days in wanted.items() for d in days]
    for item in loads:
        state = "unchanged" if item.skipped else "loaded"
        console.print(f"{item.table} {item.day}: {state} {item.rows:,} rows")
    for table, rows in load_compliance_exports(client, config, settings).items():
        console.print(f"compliance.{table}: {rows:,} rows")


@bigquery_group.command("erase")
@click.option("--subject-hash", help="The subject's user_hash (HMAC of the raw id).")
@click.option("--user", "raw_user", help="The raw user id; hashed with SPANLEDGER_HMAC_KEY, never stored.")
@click.option("--tenant", help="Only this tenant's rows.")
@click.pass_context
def erase(ctx: click.Context, subject_hash: str | None, raw_user: str | None, tenant: str | None) -> None:
    """Erase a subject everywhere in one ledger request: the lake (as `spanledger erase`), then every
    BigQuery table with user_hash / session_hash; completed when BigQuery's time travel and fail-safe end."""
    from orchestration.compliance.erasure import erase_everywhere
    from orchestration.lake.privacy import SubjectHasher
    from orchestration.warehouse.bigquery.manifest import LoadManifest, manifest_path

    if bool(subject_hash) == bool(raw_user):
        raise click.UsageError("give exactly one of --subject-hash or --user")
    settings, config, client = _context(ctx)
    subject = subject_hash or SubjectHasher(settings.hmac_key)(raw_user)
    result = erase_everywhere(settings, client, config, subject, tenant_id=tenant, raw_id=raw_user)
    if result.deleted_at is None:
        console.print(f"request {result.request_id}: BigQuery's part was already done")
        return
    with LoadManifest(manifest_path(settings.state_dir)) as manifest:
        manifest.record_erasure(
            subject,
            tenant,
            result.rows_by_table,
            result.deleted_at.isoformat(),
            result.physically_gone_at.isoformat(),
        )
    console.print(
        f"[green]erased[/] {result.rows:,} rows in {len(result.rows_by_table)} BigQuery tables "
        f"(request {result.request_id}); unrecoverable (time travel + fail-safe) after "
        f"{result.physically_gone_at:%Y-%m-%d %H:%M} UTC, the request's completed_at"
    )


@bigquery_group.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """The load manifest: the last load of each table and day."""
    from orchestration.warehouse.bigquery.manifest import LoadManifest, manifest_path

    settings = ctx.obj["settings"]
    with LoadManifest(manifest_path(settings.state_dir)) as manifest:
        records = manifest.loads()
    from orchestration.terminal_tables import print_rows

    print_rows(
        Console(),
        ("table", "day", "rows", "strategy", "finished", "jobs"),
        [(r.table_name, r.day, f"{r.rows:,}", r.strategy, r.finished_at, len(r.job_ids)) for r in records],
    )


COMMANDS = [bigquery_group]
