"""Retention classes of the BigQuery lake tables and their partition expiration.

The defaults follow the compliance policy (docs: retention classes): raw spans, events, links,
logs and metric points are debug data kept 30 days. SPANLEDGER_RETENTION_<CLASS>_DAYS overrides
a class (e.g. SPANLEDGER_RETENTION_RAW_DAYS=45). Partition expiration applies to a whole table;
per-tenant overrides shorter than the class are enforced by DML (see retention.py).
"""

from __future__ import annotations

import os

DEFAULT_CLASS_DAYS = {
    "raw": 30,  # spans, span events, span links, logs, metric points
    "restricted_content": 7,
    "quarantine": 30,
    "llm_facts": 400,  # LLM-call and request facts (intermediate / incremental models)
    "finops": 7 * 365 + 2,  # FinOps and chargeback marts: 7 years
}

LAKE_TABLE_CLASS = {
    "spans": "raw",
    "span_events": "raw",
    "span_links": "raw",
    "logs": "raw",
    "metric_points": "raw",
}


def class_days(retention_class: str) -> int:
    override = os.environ.get(f"SPANLEDGER_RETENTION_{retention_class.upper()}_DAYS")
    return int(override) if override else DEFAULT_CLASS_DAYS[retention_class]


def lake_table_expiration_days(table: str) -> int:
    return class_days(LAKE_TABLE_CLASS[table])
