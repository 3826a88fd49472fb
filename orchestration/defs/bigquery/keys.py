"""Asset keys of the BigQuery copies, and which copy holds a dbt source on the bigquery target.

Kept apart from the assets so the dbt translator can map sources without importing the client.
"""

from dagster import AssetKey

from orchestration.defs.partitions import LAKE_TABLE_NAMES

COMPLIANCE_EXPORT_KEY = AssetKey(["bigquery", "compliance", "ledger_export"])


def bigquery_asset_key(table: str) -> AssetKey:
    return AssetKey(["bigquery", "lake", table])


def bigquery_copy_of(source: AssetKey) -> AssetKey | None:
    """The BigQuery asset that holds a dbt source on the bigquery target: lake tables and the
    compliance export; None for anything else."""
    path = list(source.path)
    if path[:1] == ["lake"] and len(path) == 2 and path[1] in LAKE_TABLE_NAMES:
        return bigquery_asset_key(path[1])
    if path[:1] == ["compliance"]:
        return COMPLIANCE_EXPORT_KEY
    return None


BIGQUERY_LOAD_KEYS = [bigquery_asset_key(t) for t in LAKE_TABLE_NAMES] + [COMPLIANCE_EXPORT_KEY]
