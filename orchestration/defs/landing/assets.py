"""The landing asset lands new files; the lake tables are its outputs, partitioned by event date."""

from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, asset

from orchestration.defs.cli_history import lake_table_materializations
from orchestration.defs.partitions import LAKE_TABLE_NAMES, LANDING_KEY, daily_partitions, lake_asset_key_path
from orchestration.defs.resources import SpanledgerResource

lake_table_specs = [
    AssetSpec(
        key=lake_asset_key_path(table),
        deps=[LANDING_KEY],
        partitions_def=daily_partitions,
        group_name="landing",
        description=f"Parquet lake table `{table}`: <data>/lake/{table}/date=YYYY-MM-DD/*.parquet "
        "(event date, UTC). Written by the landing asset, which reports each date it touches.",
        kinds={"parquet"},
    )
    for table in LAKE_TABLE_NAMES
]


@asset(
    key=LANDING_KEY,
    group_name="landing",
    kinds={"python", "parquet"},
    description="Lands every new OTLP file of the drop folder(s), and every new object version of the "
    "bucket input(s), into the lake exactly once "
    "(content-hash manifest, atomic publish, quarantine for bad records).",
)
def lake_landing(context: AssetExecutionContext, spanledger: SpanledgerResource) -> MaterializeResult:
    from orchestration.landing import land

    settings = spanledger.settings()
    report = land(settings, spanledger.input_paths(), run_id=context.run.run_id)
    meta = report.to_metadata()
    for materialization in lake_table_materializations(report.days, {"landing_run": context.run.run_id}):
        context.log_event(materialization)
    context.log.info(
        f"records in {meta['records_in']} = landed {meta['records_landed']} + quarantined "
        f"{meta['records_quarantined']}"
    )
    return MaterializeResult(
        metadata={
            "files": meta["files_landed"],
            "files_duplicate": meta["files_duplicate"],
            "files_settling": meta["files_settling"],
            "records": meta["records_in"],
            "records_landed": meta["records_landed"],
            "quarantined": meta["records_quarantined"],
            "bytes": MetadataValue.int(meta["bytes_in"]),
            "bytes_written": MetadataValue.int(meta["bytes_written"]),
            "seconds": MetadataValue.float(meta["seconds"]),
            "rows": MetadataValue.json(meta["rows"]),
            "days": MetadataValue.json(report.days),
            "hot_path": meta["hot_path"],  # "compiled (Cython)", else why it ran as pure Python (slower)
            "native_decoder": meta["native_decoder"],  # "compiled", else why trace lines took the Python path
            "quarantine_examples": MetadataValue.md(
                "\n".join(f"- {e}" for e in report.quarantine_examples[:10]) or "none"
            ),
        }
    )
