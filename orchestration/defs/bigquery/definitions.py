from dagster import AssetSelection, Definitions, define_asset_job

from orchestration.defs.bigquery.assets import bigquery_compliance_export, bigquery_lake_tables
from orchestration.defs.bigquery.resources import BigQueryResource

bigquery_load_job = define_asset_job(
    "bigquery_load",
    selection=AssetSelection.assets(bigquery_lake_tables, bigquery_compliance_export),
    description="Load one lake day into BigQuery (each table's partition replaced; reruns are safe), any other "
    "day whose lake files changed, and refresh the compliance export there.",
)

# Erasure and retention in BigQuery are part of the compliance jobs (orchestration/defs/compliance):
# the same jobs and schedules as on DuckDB.
defs = Definitions(
    assets=[bigquery_lake_tables, bigquery_compliance_export],
    jobs=[bigquery_load_job],
    resources={"bigquery": BigQueryResource()},
)
