from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetKey,
    AssetSelection,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from orchestration.defs.automation import schedule_status
from orchestration.defs.dbt.assets import dbt_incremental_models, dbt_unpartitioned_models
from orchestration.defs.dbt.resources import dbt_resource
from orchestration.defs.partitions import LAKE_TABLE_NAMES, LANDING_KEY, lake_asset_key_path
from orchestration.settings import Settings

# On BigQuery the same assets and jobs; the models wait for the BigQuery load of their sources
# (SpanledgerDbtTranslator adds those deps).
ON_BIGQUERY = Settings.from_env().warehouse == "bigquery"

dbt_models = AssetSelection.assets(dbt_incremental_models, dbt_unpartitioned_models)
# The lake tables' blocking quality checks (orchestration/defs/quality) gate the dbt build of a partition.
lake_checks = AssetSelection.checks_for_assets(*(AssetKey(lake_asset_key_path(t)) for t in LAKE_TABLE_NAMES))

# Seeds, staging views and the whole-history marts (chargeback, month to date, unpriced usage).
warehouse_refresh_job = define_asset_job(
    "warehouse_refresh",
    selection=AssetSelection.assets(dbt_unpartitioned_models),
    description="dbt build of the unpartitioned models (seeds, staging views, whole-history marts).",
)

# One day of the incremental models and everything unpartitioned around them.
warehouse_daily_job = define_asset_job(
    "warehouse_daily",
    selection=dbt_models | lake_checks,
    description="dbt build of one day: incremental models get min_date = max_date = the partition.",
)

# Landing then the warehouse: what `spanledger run` does, on a schedule. On BigQuery
# (SPANLEDGER_WAREHOUSE=bigquery) the day's lake partitions and the compliance export are loaded
# there between the two (orchestration/defs/bigquery), and dbt builds on the bigquery target.
daily_steps = AssetSelection.assets(LANDING_KEY) | dbt_models | lake_checks
if ON_BIGQUERY:
    from orchestration.defs.bigquery.keys import BIGQUERY_LOAD_KEYS

    daily_steps = daily_steps | AssetSelection.assets(*BIGQUERY_LOAD_KEYS)
daily_pipeline_job = define_asset_job(
    "daily_pipeline",
    selection=daily_steps,
    description="Land new files, then dbt build yesterday's partition and the whole-history marts "
    "(on BigQuery: land, load the day into BigQuery, dbt build there).",
)


@schedule(
    job=daily_pipeline_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=schedule_status(),
)
def daily_pipeline_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """02:00 UTC: yesterday is complete (late spans had two hours to arrive); land and build it."""
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=day, partition_key=day)


defs = Definitions(
    assets=[dbt_incremental_models, dbt_unpartitioned_models],
    jobs=[warehouse_daily_job, warehouse_refresh_job, daily_pipeline_job],
    schedules=[daily_pipeline_schedule],
    resources={"dbt": dbt_resource},
)
