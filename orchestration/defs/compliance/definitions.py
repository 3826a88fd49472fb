"""Retention (daily) and GDPR erasure as Dagster jobs; the work is in orchestration/compliance.

Run config never carries raw ids (Dagster would keep them in its run storage): requests are
recorded with `spanledger erase --queue` (hash only) or come from a CSV whose path is the config.
"""

from dagster import (
    Config,
    Definitions,
    OpExecutionContext,
    RunRequest,
    ScheduleEvaluationContext,
    job,
    op,
    schedule,
)

from orchestration.defs.automation import schedule_status
from orchestration.defs.resources import SpanledgerResource


class RetentionConfig(Config):
    dry_run: bool = False
    now: str | None = None  # YYYY-MM-DD: a fake clock; default the run's time


class ErasureConfig(Config):
    requests_file: str | None = None  # CSV user_id[,tenant_id][,requested_at]; read, hashed, not stored


@op
def apply_retention_op(
    context: OpExecutionContext, config: RetentionConfig, spanledger: SpanledgerResource
) -> None:
    from orchestration.compliance.retention import apply_retention, parse_now

    report = apply_retention(spanledger.settings(), now=parse_now(config.now), dry_run=config.dry_run)
    context.log.info(
        f"retention {report.run_id} as of {report.as_of}: {report.rows} rows in "
        f"{len(report.removals)} places{' (dry run)' if config.dry_run else ''}"
    )
    for removal in report.removals:
        context.log.info(f"{removal.target}: {removal.kind} {removal.rows} rows {removal.detail}")


@op
def erase_subjects_op(
    context: OpExecutionContext, config: ErasureConfig, spanledger: SpanledgerResource
) -> None:
    from pathlib import Path

    from orchestration.compliance import erasure

    settings = spanledger.settings()
    if config.requests_file:
        erasure.register(
            settings,
            erasure.read_request_file(Path(config.requests_file)),
            f"dagster:{Path(config.requests_file).name}",
        )
    results = erasure.run_pending(settings)
    in_bigquery = erasure.erase_in_bigquery(settings)  # BigQuery warehouse: its part of every done request
    swept = erasure.sweep_erased(settings)
    for r in results:  # request ids and counts only: no hashes in Dagster's storage
        context.log.info(
            f"{r.request_id}: {sum(r.rows_removed.values())} rows removed, "
            f"{r.files_rewritten} files rewritten"
        )
    if in_bigquery:
        context.log.info(f"BigQuery's part done for {len(in_bigquery)} request(s): {', '.join(in_bigquery)}")
    if swept:
        context.log.warning(
            f"rows of erased subjects had reached the warehouse again and were removed: {swept}"
        )
    overdue = [r["request_id"] for r in erasure.status(settings) if r["overdue"]]
    if overdue:
        raise RuntimeError(f"erasure requests past their 30-day due date: {', '.join(overdue)}")


@job(
    description="Remove lake partitions, quarantine, restricted content and warehouse rows past retention "
    "(on BigQuery: DML for what partition expiration does not remove); ledger entry per run."
)
def retention_job() -> None:
    apply_retention_op()


@job(
    description="Run open GDPR erasure requests (lake, quarantine, restricted, warehouse + compaction; on "
    "BigQuery its DML too) and remove any erased subject that reached the DuckDB warehouse again; fails when a "
    "request is overdue."
)
def erasure_job() -> None:
    erase_subjects_op()


@schedule(
    job=retention_job, cron_schedule="15 0 * * *", execution_timezone="UTC", default_status=schedule_status()
)
def retention_daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """00:15 UTC, before the 02:00 daily pipeline builds (its tests check nothing is past retention)."""
    return RunRequest(run_key=context.scheduled_execution_time.date().isoformat())


@schedule(
    job=erasure_job, cron_schedule="30 0 * * *", execution_timezone="UTC", default_status=schedule_status()
)
def erasure_daily_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """Queued requests (`spanledger erase --queue`) are done by the next morning, well within 30 days."""
    return RunRequest(run_key=context.scheduled_execution_time.date().isoformat())


defs = Definitions(
    jobs=[retention_job, erasure_job],
    schedules=[retention_daily_schedule, erasure_daily_schedule],
)
