from __future__ import annotations

from dagster import AssetSelection, Definitions, build_schedule_from_partitioned_job, define_asset_job

from orchestration.defs.dbt.assets import dbt_incremental_models, dbt_unpartitioned_models
from orchestration.defs.dbt.resources import dbt_resource

# Seeds, staging views and the whole-history marts (chargeback, month to date, unpriced usage).
warehouse_refresh_job = define_asset_job(
    "warehouse_refresh",
    selection=AssetSelection.assets(dbt_unpartitioned_models),
    description="dbt build of the unpartitioned models (seeds, staging views, whole-history marts).",
)

# One day of the incremental models; the daily schedule builds yesterday once it is complete.
warehouse_daily_job = define_asset_job(
    "warehouse_daily",
    selection=AssetSelection.assets(dbt_incremental_models),
    description="dbt build of one day of the incremental models (min_date = max_date = the partition).",
)

defs = Definitions(
    assets=[dbt_incremental_models, dbt_unpartitioned_models],
    jobs=[warehouse_daily_job, warehouse_refresh_job],
    schedules=[build_schedule_from_partitioned_job(warehouse_daily_job, hour_of_day=1, minute_of_hour=30)],
    resources={"dbt": dbt_resource},
)
