"""BigQuery in Dagster: a client resource and the day loads of the lake tables (SPANLEDGER_WAREHOUSE=bigquery)."""

from orchestration.defs.bigquery.definitions import defs

__all__ = ["defs"]
