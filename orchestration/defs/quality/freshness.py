"""Freshness: the landing runs hourly, each day's partitions land by 03:00 UTC, marts follow daily."""

from __future__ import annotations

import warnings
from datetime import timedelta

from dagster import (
    AssetKey,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
)

from orchestration.defs.automation import sensor_status
from orchestration.defs.dbt.assets import dbt_incremental_models, dbt_unpartitioned_models
from orchestration.defs.dbt.translator import MART_GROUPS
from orchestration.defs.partitions import LANDING_KEY, lake_asset_key_path

LANDING_MAX_AGE = timedelta(hours=2)  # hourly schedule + sensor: two missed sweeps is stale
PARTITION_DEADLINE_CRON = "0 4 * * *"  # yesterday's partition is built by the 02:00 pipeline
WHOLE_HISTORY_MAX_AGE = timedelta(hours=26)


def _mart_keys(assets_def) -> list[AssetKey]:
    return sorted((k for k in assets_def.keys if k.path[0] in MART_GROUPS), key=lambda k: k.to_user_string())


# Superseded in Dagster 1.11+ by FreshnessPolicy on the asset definitions, which live in other areas;
# these checks need no change there and show up next to the GX checks.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    landing_freshness = build_last_update_freshness_checks(
        assets=[LANDING_KEY], lower_bound_delta=LANDING_MAX_AGE
    )

    partition_freshness = build_time_partition_freshness_checks(
        assets=[AssetKey(lake_asset_key_path(t)) for t in ("spans", "logs", "metric_points")]
        + _mart_keys(dbt_incremental_models),
        deadline_cron=PARTITION_DEADLINE_CRON,
        timezone="UTC",
    )

    whole_history_freshness = build_last_update_freshness_checks(
        assets=_mart_keys(dbt_unpartitioned_models), lower_bound_delta=WHOLE_HISTORY_MAX_AGE
    )

    freshness_checks = [*landing_freshness, *partition_freshness, *whole_history_freshness]
    freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks, name="freshness_checks_sensor", default_status=sensor_status()
    )
