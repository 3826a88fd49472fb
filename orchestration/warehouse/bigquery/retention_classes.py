"""Partition expiration on BigQuery per retention class, for the lake tables and the dbt models.

The classes and their default days are the compliance policy's (orchestration/compliance/policy.py):
raw telemetry 30 days, facts 400, FinOps 7 years. SPANLEDGER_RETENTION_<CLASS>_DAYS overrides a
class on BigQuery (e.g. SPANLEDGER_RETENTION_RAW_DAYS=90); dbt_project.yml reads the same variables
for the models' `partition_expiration_days`. Expiration applies to a whole table, so it must be the
*longest* retention any tenant has (`retention.toml` overrides): shorter ones are removed by DML
(retention.py). `expiration_shortfalls` names classes where a tenant would lose data too early.
"""

from __future__ import annotations

import os

from orchestration.compliance.policy import DEFAULT_DAYS, FACTS, FINOPS, RAW, RetentionPolicy

# Classes whose tables are day-partitioned on BigQuery (content and quarantine stay in the lake).
PARTITIONED_CLASSES = (RAW, FACTS, FINOPS)

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


def expiration_shortfalls(policy: RetentionPolicy) -> dict[str, tuple[int, int]]:
    """Classes whose partition expiration is shorter than some tenant's retention: class →
    (expiration days, longest retention). Empty when the expiration can only remove what is due."""
    return {
        c: (class_days(c), policy.longest(c))
        for c in PARTITIONED_CLASSES
        if class_days(c) < policy.longest(c)
    }
