"""Lake tables in BigQuery: one daily partition = one load job per table replacing that day; the
compliance ledger's export, which the dbt compliance models read there, refreshed beside them."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    asset,
    multi_asset,
)
from dagster._core.definitions.assets.definition.assets_definition import stringify_asset_key_to_input_name

from orchestration.defs.bigquery.resources import BigQueryResource
from orchestration.defs.partitions import LAKE_TABLE_NAMES, daily_partitions, lake_asset_key_path
from orchestration.defs.resources import SpanledgerResource

# Landing writes the lake tables; the load of a day must wait for it (the lake table specs are
# external, Dagster does not order a run through them).
LANDING_KEY = AssetKey(["lake", "landing"])
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


@multi_asset(
    specs=[AssetSpec(key=bigquery_asset_key(t), deps=[AssetKey(lake_asset_key_path(t)), LANDING_KEY],
                     group_name="landing", kinds={"bigquery"}, partitions_def=daily_partitions,
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


@asset(key=COMPLIANCE_EXPORT_KEY, group_name="landing", kinds={"bigquery"},
       description="The compliance ledger's export (erased subjects, requests, policy, erased usage) in the "
       "compliance dataset, replaced whole: dbt's compliance models and tests read it on BigQuery.")
def bigquery_compliance_export(spanledger: SpanledgerResource, bigquery: BigQueryResource) -> MaterializeResult:
    from orchestration.warehouse.bigquery.compliance import load_compliance_exports

    loaded = load_compliance_exports(bigquery.client(), bigquery.config(), spanledger.settings())
    return MaterializeResult(metadata={f"rows_{table}": rows for table, rows in loaded.items()})


def depend_on_bigquery_copies(assets_def: AssetsDefinition) -> AssetsDefinition:
    """The same dbt assets, each model also depending on the BigQuery copy of every source it reads,
    so a job that holds both runs the load first."""

    def add_copies(spec: AssetSpec) -> AssetSpec:
        copies = {bigquery_copy_of(dep.asset_key) for dep in spec.deps} - {None}
        return spec.merge_attributes(deps=sorted(copies, key=str)) if copies else spec

    mapped = assets_def.map_asset_specs(add_copies)
    # map_asset_specs gives each new dep an input but (Dagster 1.13) leaves it out of the input → asset
    # mapping, so a job would not order through it: name the assets of those inputs.
    keys = dict(mapped.node_keys_by_input_name)
    added = {dep.asset_key for spec in mapped.specs for dep in spec.deps} - set(keys.values())
    keys.update({stringify_asset_key_to_input_name(key): key for key in added})
    return AssetsDefinition.dagster_internal_init(**{**mapped.get_attributes_dict(), "keys_by_input_name": keys})
