"""Partition expiration on BigQuery per retention class, for the lake tables and the dbt models.

The classes and their default days are the project's (orchestration/data_classes.py):
raw telemetry 30 days, facts 400, FinOps 7 years. SPANLEDGER_RETENTION_<CLASS>_DAYS overrides a
class on BigQuery (e.g. SPANLEDGER_RETENTION_RAW_DAYS=90); dbt_project.yml reads the same variables
for the models' `partition_expiration_days`. Expiration applies to a whole table, so it must be the
*longest* retention any tenant has (`retention.toml` overrides): shorter ones are removed by DML
(retention.py).
"""

from __future__ import annotations

import os

from orchestration.data_classes import DEFAULT_DAYS, RAW

LAKE_TABLE_CLASS = {
    "spans": RAW,
    "span_events": RAW,
    "span_links": RAW,
    "logs": RAW,
    "metric_points": RAW,
}


def class_days(retention_class: str) -> int:
    override = os.environ.get(f"SPANLEDGER_RETENTION_{retention_class.upper()}_DAYS")
    return int(override) if override else DEFAULT_DAYS[retention_class]


def lake_table_expiration_days(table: str) -> int:
    return class_days(LAKE_TABLE_CLASS[table])
