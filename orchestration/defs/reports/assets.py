"""The monthly chargeback report as a Dagster asset: one partition per billing month.

Thin: the work is in orchestration.reports; here it is scheduled, checked and described.
"""

import csv
from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    MonthlyPartitionsDefinition,
    asset,
)

from orchestration.defs.partitions import PARTITIONS_START_DATE
from orchestration.defs.resources import SpanledgerResource

CHARGEBACK_KEY = AssetKey(["reports", "chargeback_monthly"])
FINOPS_MARTS = ("fct_chargeback_focus_monthly", "fct_chargeback_breakdowns_monthly")

# One partition per billing month, the current one included (a month-to-date report on demand);
# the schedule materializes a month once it is complete.
monthly_partitions = MonthlyPartitionsDefinition(
    start_date=date.fromisoformat(PARTITIONS_START_DATE).replace(day=1).isoformat(),
    timezone="UTC",
    end_offset=1,
)


@asset(
    key=CHARGEBACK_KEY,
    group_name="reports",
    partitions_def=monthly_partitions,
    deps=[AssetKey(["finops", name]) for name in FINOPS_MARTS],
    kinds={"python", "csv", "parquet", "html"},
    check_specs=[
        AssetCheckSpec(
            "focus_conformant",
            asset=CHARGEBACK_KEY,
            description="The CSV has the FOCUS columns, types, periods, currency and non-negative costs.",
        ),
        AssetCheckSpec(
            "reconciles_with_mart",
            asset=CHARGEBACK_KEY,
            description="Per tenant, the CSV's BilledCost adds up to fct_chargeback_focus_monthly to the cent.",
        ),
    ],
    description="Monthly LLM chargeback for finance: a FinOps FOCUS CSV, a Parquet copy and an HTML report "
    "(month over month, cost by tenant / team / feature / model, unpriced usage, methods) in "
    "<data>/reports/chargeback/<YYYY-MM>/.",
)
def chargeback_monthly(context: AssetExecutionContext, spanledger: SpanledgerResource) -> MaterializeResult:
    from orchestration.reports.chargeback import Month
    from orchestration.reports.focus import check_rows
    from orchestration.reports.marts import marts_for
    from orchestration.reports.publish import make_chargeback_report
    from orchestration.reports.reconcile import reconcile

    settings = spanledger.settings()
    marts = marts_for(settings)
    month = Month(context.partition_time_window.start.date())
    files = make_chargeback_report(marts, month, settings.reports_dir / "chargeback")
    with files.csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        focus_problems = check_rows(reader, reader.fieldnames or [])
    reconcile_problems = reconcile(marts, month, files.csv)
    return MaterializeResult(
        metadata={
            "rows": files.rows,
            "billed_cost_usd": str(files.total_cost_usd),
            "html": MetadataValue.path(str(files.html)),
            "csv": MetadataValue.path(str(files.csv)),
            "parquet": MetadataValue.path(str(files.parquet)),
        },
        check_results=[
            AssetCheckResult(
                check_name="focus_conformant",
                passed=not focus_problems,
                metadata={"problems": MetadataValue.md("\n".join(focus_problems[:20]) or "none")},
            ),
            AssetCheckResult(
                check_name="reconciles_with_mart",
                passed=not reconcile_problems,
                metadata={"problems": MetadataValue.md("\n".join(reconcile_problems) or "none")},
            ),
        ],
    )
