from dagster import (
    AssetSelection,
    Definitions,
    OpExecutionContext,
    ScheduleDefinition,
    define_asset_job,
    job,
    op,
)

from orchestration.defs.bigquery.assets import bigquery_compliance_export, bigquery_lake_tables
from orchestration.defs.bigquery.resources import BigQueryResource
from orchestration.defs.resources import SpanledgerResource

bigquery_load_job = define_asset_job(
    "bigquery_load", selection=AssetSelection.assets(bigquery_lake_tables, bigquery_compliance_export),
    description="Load one lake day into BigQuery (each table's partition replaced; reruns are safe) "
    "and refresh the compliance export there.")


@op(description="BigQuery's part of every completed erasure request that lacks it: DML in every table "
    "with user_hash / session_hash; the request's completed_at moves past time travel and fail-safe.")
def erase_ledger_requests_in_bigquery(context: OpExecutionContext, spanledger: SpanledgerResource,
                                      bigquery: BigQueryResource) -> None:
    from orchestration.warehouse.bigquery.erasure import erase_ledger_requests

    for result in erase_ledger_requests(spanledger.settings(), bigquery.client(), bigquery.config()):
        context.log.info(f"{result.request_id}: {result.rows} rows in {len(result.rows_by_table)} tables; "
                         f"completed at {result.physically_gone_at:%Y-%m-%d %H:%M} UTC")


@job(description="Erase in BigQuery what the compliance erasure job erased in the lake (same ledger requests).")
def bigquery_erasure():
    erase_ledger_requests_in_bigquery()


# 00:45 UTC: after the compliance erasure job (00:30) has done the lake, before the daily pipeline (02:00).
bigquery_erasure_schedule = ScheduleDefinition(name="bigquery_erasure_daily", job=bigquery_erasure,
                                               cron_schedule="45 0 * * *", execution_timezone="UTC")

defs = Definitions(assets=[bigquery_lake_tables, bigquery_compliance_export],
                   jobs=[bigquery_load_job, bigquery_erasure], schedules=[bigquery_erasure_schedule],
                   resources={"bigquery": BigQueryResource()})
