from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job

from orchestration.defs.bigquery.assets import bigquery_lake_tables
from orchestration.defs.bigquery.resources import BigQueryResource

bigquery_load_job = define_asset_job(
    "bigquery_load", selection=AssetSelection.assets(bigquery_lake_tables),
    description="Load one lake day into BigQuery (each table's partition replaced; reruns are safe).")

defs = Definitions(assets=[bigquery_lake_tables], jobs=[bigquery_load_job],
                   resources={"bigquery": BigQueryResource()})
