"""Lake tables in BigQuery: one daily partition = one load job per table replacing that day, plus
every other day the lake changed (late data); the compliance ledger's export, which the dbt
compliance models read there, refreshed beside them."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    MaterializeResult,
    asset,
    multi_asset,
)

from orchestration.defs.bigquery.keys import (
    BIGQUERY_LOAD_KEYS,
    COMPLIANCE_EXPORT_KEY,
    bigquery_asset_key,
    bigquery_copy_of,
)
from orchestration.defs.bigquery.resources import BigQueryResource
from orchestration.defs.partitions import LAKE_TABLE_NAMES, LANDING_KEY, daily_partitions, lake_asset_key_path
from orchestration.defs.resources import SpanledgerResource

__all__ = [
    "BIGQUERY_LOAD_KEYS",
    "COMPLIANCE_EXPORT_KEY",
    "bigquery_asset_key",
    "bigquery_compliance_export",
    "bigquery_copy_of",
    "bigquery_lake_tables",
]


def _days_landed_in_this_run(context: AssetExecutionContext) -> dict[str, list[str]]:
    """The days per table the landing step of this run wrote (its `days` metadata), if it ran."""
    event = context.instance.get_latest_materialization_event(LANDING_KEY)
    if event is None or event.run_id != context.run.run_id or event.asset_materialization is None:
        return {}
    days = event.asset_materialization.metadata.get("days")
    return dict(days.value) if days is not None else {}


@multi_asset(
    specs=[
        AssetSpec(
            key=bigquery_asset_key(t),
            deps=[AssetKey(lake_asset_key_path(t)), LANDING_KEY],
            group_name="landing",
            kinds={"bigquery"},
            partitions_def=daily_partitions,
            description=f"BigQuery table lake.{t}: the lake's {t} day by day (partition replace); "
            "a run also loads any other day whose lake files changed (late data).",
        )
        for t in LAKE_TABLE_NAMES
    ],
    partitions_def=daily_partitions,
    can_subset=True,
    name="bigquery_lake_tables",
)
def bigquery_lake_tables(
    context: AssetExecutionContext, spanledger: SpanledgerResource, bigquery: BigQueryResource
):
    from orchestration.warehouse.bigquery.loader import DayLoader, days_to_load

    settings, config = spanledger.settings(), bigquery.config()
    window = context.partition_time_window
    day = window.start.date().isoformat()
    loader = DayLoader(bigquery.client(), config, settings)
    tables = [key.path[-1] for key in context.selected_asset_keys]
    # Late data: days other than the partition that the landing of this run (or any earlier one)
    # changed; loading a day is idempotent, an unchanged day is skipped.
    others = days_to_load(settings, config, _days_landed_in_this_run(context), tables=tables)
    for table in tables:
        key = bigquery_asset_key(table)
        for other in [d for d in others[table] if d != day]:
            late = loader.load_day(table, other)
            context.log_event(
                AssetMaterialization(
                    asset_key=key,
                    partition=other,
                    metadata={
                        "rows": late.rows,
                        "skipped_unchanged": late.skipped,
                        "jobs": ", ".join(late.job_ids),
                        "loaded_by_partition": day,
                    },
                )
            )
        result = loader.load_day(table, day)
        yield MaterializeResult(
            asset_key=key,
            metadata={
                "rows": result.rows,
                "skipped_unchanged": result.skipped,
                "jobs": ", ".join(result.job_ids),
                "other_days_loaded": len([d for d in others[table] if d != day]),
            },
        )


@asset(
    key=COMPLIANCE_EXPORT_KEY,
    group_name="landing",
    kinds={"bigquery"},
    description="The compliance ledger's export (erased subjects, requests, policy, erased usage) in the "
    "compliance dataset, replaced whole: dbt's compliance models and tests read it on BigQuery.",
)
def bigquery_compliance_export(
    spanledger: SpanledgerResource, bigquery: BigQueryResource
) -> MaterializeResult:
    from orchestration.compliance.bigquery_export import load_compliance_exports

    loaded = load_compliance_exports(bigquery.client(), bigquery.config(), spanledger.settings())
    return MaterializeResult(metadata={f"rows_{table}": rows for table, rows in loaded.items()})
