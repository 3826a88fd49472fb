"""Lake tables in BigQuery: one daily partition = one load job per table replacing that day."""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from orchestration.defs.bigquery.resources import BigQueryResource
from orchestration.defs.partitions import LAKE_TABLE_NAMES, daily_partitions, lake_asset_key_path
from orchestration.defs.resources import SpanledgerResource


def bigquery_asset_key(table: str) -> AssetKey:
    return AssetKey(["bigquery", "lake", table])


@multi_asset(
    specs=[AssetSpec(key=bigquery_asset_key(t), deps=[AssetKey(lake_asset_key_path(t))], group_name="landing",
                     kinds={"bigquery"}, partitions_def=daily_partitions,
                     description=f"BigQuery table lake.{t}: the lake's {t} day by day (partition replace).")
           for t in LAKE_TABLE_NAMES],
    partitions_def=daily_partitions,
    can_subset=True,
    name="bigquery_lake_tables",
)
def bigquery_lake_tables(context: AssetExecutionContext, spanledger: SpanledgerResource,
                         bigquery: BigQueryResource):
    from orchestration.warehouse.bigquery.loader import DayLoader

    window = context.partition_time_window
    day = window.start.date().isoformat()
    loader = DayLoader(bigquery.client(), bigquery.config(), spanledger.settings())
    for key in context.selected_asset_keys:
        table = key.path[-1]
        result = loader.load_day(table, day)
        yield MaterializeResult(asset_key=key, metadata={
            "rows": result.rows, "skipped_unchanged": result.skipped, "jobs": ", ".join(result.job_ids)})
