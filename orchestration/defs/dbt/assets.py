"""dbt models as Dagster assets: incremental models per daily partition, the rest unpartitioned.

The incremental models rebuild exactly the partition's dates (`min_date` / `max_date`, inclusive);
seeds, staging views and the small whole-history marts form a second, unpartitioned selection.
dbt tests become asset checks (enable_asset_checks), so a failed test shows on the asset.
Both hold the warehouse write lock, like the CLI, so a Dagster run and `spanledger build` take turns.
"""

import json
from datetime import timedelta

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.resources import dbt_project
from orchestration.defs.dbt.translator import SpanledgerDbtTranslator
from orchestration.defs.partitions import daily_partitions
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import warehouse_write_lock

INCREMENTAL_SELECTOR = "config.materialized:incremental"


@dbt_assets(
    manifest=dbt_project.manifest_path,
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
    with warehouse_write_lock(Settings.from_env(), purpose=f"dagster run {context.run.run_id}"):
        yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=INCREMENTAL_SELECTOR,
    dagster_dbt_translator=SpanledgerDbtTranslator(),
    name="dbt_unpartitioned_models",
)
def dbt_unpartitioned_models(context: AssetExecutionContext, dbt: DbtCliResource):
    with warehouse_write_lock(Settings.from_env(), purpose=f"dagster run {context.run.run_id}"):
        yield from dbt.cli(["build"], context=context).stream()
