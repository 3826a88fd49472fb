"""`spanledger build` and `spanledger run`: the warehouse build (after a BigQuery load when that is the
warehouse), and the whole pipeline on the user's telemetry."""

from __future__ import annotations

from pathlib import Path

import click

from orchestration.commands.common import CliError, console, out, record_in_dagster, settings_of
from orchestration.commands.landing import land_with_progress, print_landing
from orchestration.settings import Settings


def load_bigquery(settings: Settings, touched: dict[str, list[str]] | None = None) -> None:
    """On BigQuery dbt reads the loaded lake: load the days that changed and the compliance export first."""
    from orchestration.compliance.bigquery_export import load_compliance_exports
    from orchestration.warehouse.bigquery.client import make_client
    from orchestration.warehouse.bigquery.config import BigQueryConfig
    from orchestration.warehouse.bigquery.sync import load_changed_days

    console.print("[bold]BigQuery load[/] lake days that changed + compliance export …")
    config = BigQueryConfig.from_env()
    client = make_client(config)
    report = load_changed_days(settings, touched, client=client, config=config)
    load_compliance_exports(client, config, settings)
    for item in report.loaded:
        console.print(f"  {item.table} {item.day}: {item.rows:,} rows")
    days = sorted({item.day for item in report.loaded})
    console.print(
        f"[green]loaded[/] {len(report.loaded)} table days into {report.destination}"
        + (f" ({days[0]} … {days[-1]})" if days else " (lake unchanged since the last load)")
    )


def build_warehouse(
    settings: Settings, full_refresh: bool = False, touched: dict[str, list[str]] | None = None
) -> None:
    from orchestration.build_progress import dbt_build_progress
    from orchestration.defs.cli_history import dbt_build_events
    from orchestration.warehouse.dbt_runner import dbt_target_dir, run_dbt_build

    if settings.warehouse == "bigquery":
        load_bigquery(settings, touched)
    console.print(f"[bold]dbt build[/] ({settings.warehouse}) staging → intermediate → marts …")
    with dbt_build_progress(console) as progress:
        result = run_dbt_build(settings, full_refresh=full_refresh, progress=progress)
    if not result.success:
        raise CliError(f"dbt build failed: {result.summary}; see {result.log_path}")
    console.print(f"[green]dbt build ok[/] {result.summary}")
    days = None if touched is None else {day for table_days in touched.values() for day in table_days}
    record_in_dagster(
        settings, lambda command: dbt_build_events(settings, dbt_target_dir(settings), command, days)
    )


@click.command()
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
    build_warehouse(settings_of(ctx), full_refresh)


@click.command()
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

    settings = settings_of(ctx)
    if not inputs:
        inbox = settings.inbox_dir
        if not (inbox.is_dir() and candidate_files([inbox])) and not landed_file_count(settings):
            raise CliError(f"nothing to land: the inbox {inbox} is empty; {next_step_hint(settings)}")
        inbox.mkdir(parents=True, exist_ok=True)  # a lake with data and no inbox yet: nothing new, build
    report = land_with_progress(settings, list(inputs) or None, None, None)
    print_landing(report, False, settings)
    finish_pipeline(settings, report, skip_build)


def finish_pipeline(settings: Settings, report, skip_build: bool) -> None:
    """After a landing: build (or only load, on BigQuery) and say where the results are."""
    if not skip_build:
        build_warehouse(settings, touched=report.days)
    elif settings.warehouse == "bigquery":
        load_bigquery(settings, report.days)
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


COMMANDS = [build, run]
