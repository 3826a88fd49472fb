"""Daily event-date partitions shared by the lake tables and the incremental dbt models, and the
asset keys of the lake that every area's definitions refer to."""

from __future__ import annotations

import os

from dagster import AssetKey, DailyPartitionsDefinition

# The lake is partitioned by event date (UTC); history starts where the operator says.
PARTITIONS_START_DATE = os.environ.get("SPANLEDGER_PARTITIONS_START", "2025-01-01")

daily_partitions = DailyPartitionsDefinition(start_date=PARTITIONS_START_DATE, timezone="UTC", end_offset=1)

LAKE_TABLE_NAMES = ("spans", "span_events", "span_links", "logs", "metric_points")

# The landing asset writes the lake tables, which are external specs: Dagster does not order a run
# through them, so whatever reads the lake (staging models, BigQuery loads, lake checks) also
# depends on this key, and runs after the landing of the same run.
LANDING_KEY = AssetKey(["lake", "landing"])


def lake_asset_key_path(table: str) -> list[str]:
    """Asset key of a lake table; dbt sources point at these through `meta.dagster.asset_key`."""
    return ["lake", table]
