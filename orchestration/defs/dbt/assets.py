"""dbt models as Dagster assets: incremental models per daily partition, the rest unpartitioned.

The incremental models rebuild exactly the partition's dates (`min_date` / `max_date`, inclusive);
seeds, staging views and the small whole-history marts form a second, unpartitioned selection.
dbt tests become asset checks (enable_asset_checks), so a failed test shows on the asset.
Both build like the CLI: under the warehouse write lock, into a copy that replaces the warehouse
only when dbt succeeds.
"""

import json
import os
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.resources import dbt_project, manifest_path
from orchestration.defs.dbt.translator import SpanledgerDbtTranslator
from orchestration.defs.partitions import daily_partitions
from orchestration.lake.uniformity import union_by_name_env
from orchestration.settings import Settings
from orchestration.warehouse.dbt_invocations import prune_invocation_dirs, share_parse_state
from orchestration.warehouse.dbt_runner import dbt_target_dir, staged_warehouse, warehouse_write_lock

INCREMENTAL_SELECTOR = "config.materialized:incremental"


@dbt_assets(
    manifest=manifest_path,
    project=dbt_project,
    select=INCREMENTAL_SELECTOR,
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),  # a backfill is one dbt build over the whole window
    dagster_dbt_translator=SpanledgerDbtTranslator(),
    name="dbt_incremental_models",
)
def dbt_incremental_models(context: AssetExecutionContext, dbt: DbtCliResource):
    window = context.partition_time_window
    dbt_vars = {
        "min_date": window.start.date().isoformat(),
        "max_date": (window.end - timedelta(days=1)).date().isoformat(),  # Dagster's end is exclusive
    }
    yield from _build_safely(context, dbt, ["build", "--vars", json.dumps(dbt_vars)])


def _run_window(context: AssetExecutionContext) -> dict[str, str]:
    """The dates of a run launched for a partition or a range (the daily job), else nothing.

    The unpartitioned models are not windowed, but their staging tests then check only those dates
    instead of rescanning the whole lake (the dates outside were tested when they were built).
    """
    tags = context.run.tags
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not start or not end:
        return {}
    try:
        first = daily_partitions.time_window_for_partition_key(start).start
        last = daily_partitions.time_window_for_partition_key(end).start
    except Exception:  # noqa: BLE001 - a partition key of another definition: test everything
        return {}
    return {"min_date": first.date().isoformat(), "max_date": last.date().isoformat()}


@dbt_assets(
    manifest=manifest_path,
    project=dbt_project,
    exclude=INCREMENTAL_SELECTOR,
    dagster_dbt_translator=SpanledgerDbtTranslator(),
    name="dbt_unpartitioned_models",
)
def dbt_unpartitioned_models(context: AssetExecutionContext, dbt: DbtCliResource):
    window = _run_window(context)
    yield from _build_safely(context, dbt, ["build", "--vars", json.dumps(window)] if window else ["build"])


@contextmanager
def _dbt_environment(settings: Settings, warehouse_copy: Path):
    """For the dbt subprocess started now, as the CLI's dbt_env: write to `warehouse_copy`
    (profiles.yml reads SPANLEDGER_DUCKDB_PATH) and read the lake with union_by_name only if needed."""
    values = {"SPANLEDGER_DUCKDB_PATH": str(warehouse_copy), **union_by_name_env(settings)}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _build_safely(context: AssetExecutionContext, dbt: DbtCliResource, args: list[str]):
    """Like the CLI: hold the warehouse write lock and, on DuckDB, build into a copy that replaces the
    warehouse only when dbt succeeds, so a failed or killed run leaves the previous marts readable."""
    settings = Settings.from_env()
    lock = warehouse_write_lock(settings, purpose=f"dagster run {context.run.run_id}")
    with lock, _build_target(settings) as publish:
        invocation = dbt.cli(args, context=context)
        try:
            yield from invocation.stream()
            publish[0] = invocation.is_successful()
        finally:
            _keep_invocation_state(settings, invocation.target_path)


@contextmanager
def _build_target(settings: Settings):
    """On DuckDB, a private copy of the warehouse that `publish[0] = True` swaps in; BigQuery builds
    in place."""
    if settings.warehouse != "duckdb":
        yield [False]
        return
    with staged_warehouse(settings) as (copy, publish), _dbt_environment(settings, copy):
        yield publish


def _keep_invocation_state(settings: Settings, invocation_target: Path) -> None:
    """The next dbt step of the run starts from this one's parse; old invocation folders go."""
    share_parse_state(invocation_target, dbt_target_dir(settings))
    prune_invocation_dirs(dbt_target_dir(settings))
