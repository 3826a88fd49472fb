from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetSelection,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from orchestration.defs.automation import schedule_status
from orchestration.defs.reports.assets import chargeback_monthly, monthly_partitions
from orchestration.defs.reports.checks import budget_projection_check

chargeback_job = define_asset_job(
    "chargeback_report",
    selection=AssetSelection.assets(chargeback_monthly),
    partitions_def=monthly_partitions,
    description="The monthly chargeback report (FOCUS CSV, Parquet, HTML) of one billing month.",
)


@schedule(
    job=chargeback_job, cron_schedule="0 4 2 * *", execution_timezone="UTC", default_status=schedule_status()
)
def chargeback_monthly_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """The 2nd at 04:00 UTC, the month just ended: the daily pipeline built its last day on the 1st."""
    month = (context.scheduled_execution_time.replace(day=1) - timedelta(days=1)).replace(day=1)
    key = month.strftime("%Y-%m-%d")
    return RunRequest(run_key=key, partition_key=key)


defs = Definitions(
    assets=[chargeback_monthly],
    asset_checks=[budget_projection_check],
    jobs=[chargeback_job],
    schedules=[chargeback_monthly_schedule],
)
