"""Great Expectations suites as asset checks: lake tables per partition (blocking), key marts.

A lake check runs after the landing in the same run and, when an `error` expectation fails, blocks
the dbt models downstream of that table for the partition: Dagster skips them and the run says which
expectations failed. `warn` expectations (volume, null rates, unknown providers) show without blocking.
"""

import warnings
from datetime import UTC, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster._utils.warnings import PreviewWarning

from orchestration.defs.partitions import LAKE_TABLE_NAMES, LANDING_KEY, daily_partitions, lake_asset_key_path
from orchestration.defs.resources import SpanledgerResource
from orchestration.quality.mart_suites import MARTS

PARTITION_TAG = "dagster/partition"


def _check_result(result) -> AssetCheckResult:
    from orchestration.quality.report import outcomes_markdown

    reasons = result.reasons(limit=8)
    return AssetCheckResult(
        passed=result.success,
        severity=AssetCheckSeverity.ERROR if result.blocks else AssetCheckSeverity.WARN,
        description=("; ".join(reasons) if reasons else f"{len(result.outcomes)} expectations met")[:2000],
        metadata={
            "target": result.target,
            "partition": result.partition or "all",
            "rows": result.rows,
            "expectations": len(result.outcomes),
            "failed_blocking": len(result.blocking_failures) + len(result.errors),
            "failed_warn": len(result.warnings),
            "results": MetadataValue.md(outcomes_markdown(result)),
            "failures": MetadataValue.json(
                [o.__dict__ for o in result.failed] + [{"error": e} for e in result.errors]
            ),
            "notes": MetadataValue.md("\n".join(f"- {n}" for n in result.notes) or "none"),
        },
    )


def _lake_check(table: str):
    @asset_check(
        asset=AssetKey(lake_asset_key_path(table)),
        name="great_expectations",
        blocking=True,
        partitions_def=daily_partitions,
        additional_deps=[LANDING_KEY],  # runs after the landing of the same run
        description=f"GX suite lake.{table} on the partition's date: schema, ids, time window, "
        "non-negative tokens and cost, enums (blocking); volume vs trailing average, null rates, "
        "unknown providers (warn).",
    )
    def lake_table_check(
        context: AssetCheckExecutionContext, spanledger: SpanledgerResource
    ) -> AssetCheckResult:
        from orchestration.quality.checks import check_lake_partition
        from orchestration.quality.data import lake_days

        settings = spanledger.settings()
        if context.has_partition_key:
            day = context.partition_key
        else:
            days = lake_days(settings, table)
            day = days[-1] if days else datetime.now(UTC).date().isoformat()
        result = check_lake_partition(settings, table, day)
        context.log.info(
            f"lake.{table} {day}: {result.status} ({len(result.outcomes)} expectations, {result.rows} rows)"
        )
        return _check_result(result)

    lake_table_check.__name__ = f"lake_{table}_great_expectations"
    return lake_table_check


def _mart_check(relation: str):
    schema, name = relation.split(".")

    @asset_check(
        asset=AssetKey([schema, name]),
        name="great_expectations",
        description=f"GX suite mart.{relation}: keys, non-negative tokens and cost, rates, share of unpriced "
        "calls; on the run's partition date, else the whole table.",
    )
    def mart_check(context: AssetCheckExecutionContext, spanledger: SpanledgerResource) -> AssetCheckResult:
        from orchestration.quality.checks import check_mart

        day = context.run.tags.get(PARTITION_TAG)
        return _check_result(check_mart(spanledger.settings(), relation, day))

    mart_check.__name__ = f"{schema}_{name}_great_expectations"
    return mart_check


with warnings.catch_warnings():
    warnings.simplefilter("ignore", PreviewWarning)  # partitioned asset checks are "preview" in Dagster 1.13
    lake_checks = [_lake_check(table) for table in LAKE_TABLE_NAMES]
mart_checks = [_mart_check(relation) for relation in MARTS]
