"""`land()`: one landing run of the data directory, under the lake lock."""

from __future__ import annotations

import errno
import shutil
import time
from pathlib import Path

from orchestration.arrow_without_pandas import skip_pandas_probe
from orchestration.lake.compaction import compact
from orchestration.lake.uniformity import ensure_uniform
from orchestration.lake.writer import ensure_schema_files
from orchestration.landing.buckets.flow import land_buckets
from orchestration.landing.buckets.uri import is_bucket_uri
from orchestration.landing.discovery import Pending, discover
from orchestration.landing.origin import refuse_buckets_in_demo_lake, refuse_real_data_in_demo_lake
from orchestration.landing.publish import recover, staging_root
from orchestration.landing.report import LANDED_OUTCOMES, LandingError, LandingProgress, LandingReport
from orchestration.landing.schedule import Schedule
from orchestration.locks import LakeLock
from orchestration.manifest import Manifest
from orchestration.settings import Settings


def land(
    settings: Settings,
    inputs: list[Path | str] | None = None,
    *,
    settle_seconds: float | None = None,
    final: bool = False,
    workers: int | None = None,
    lock_timeout: float = 600.0,
    progress: LandingProgress | None = None,
    run_id: str | None = None,
    listing: str = "auto",
) -> LandingReport:
    """Land every new record of the files under `inputs` (default: the data directory's inbox), folders,
    files or buckets (`gs://bucket/prefix`, `s3://bucket/prefix`). `final`: the writers are done, so a
    record a file ends in the middle of is quarantined now rather than awaited. `listing`, for buckets:
    auto (incremental from the stored cursor, full when a sweep is due), full or incremental."""
    skip_pandas_probe()
    inputs = list(inputs or [settings.inbox_dir])
    buckets = [str(p) for p in inputs if is_bucket_uri(p)]
    local = [Path(p) for p in inputs if not is_bucket_uri(p)]
    settle = settings.settle_seconds if settle_seconds is None else settle_seconds
    report = LandingReport()
    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_root(settings)
    with LakeLock(settings.state_dir, lock_timeout):
        manifest = Manifest(settings.manifest_path)
        try:
            report.recovered = recover(settings, manifest)
            ensure_schema_files(settings.lake_dir)
            pending = discover(manifest, local, settle, settings.tail_timeout_seconds, final, report)
            refuse_real_data_in_demo_lake(settings, pending)
            refuse_buckets_in_demo_lake(settings, buckets)

            def land_batch(items: list[Pending]) -> None:
                Schedule(settings, manifest, items, staging, workers, progress, report, run_id).run()

            try:
                land_batch(pending)
                if buckets:  # objects are copied to a spool in bounded batches, each landed like files
                    land_buckets(settings, manifest, buckets, report, land_batch, listing)
            except OSError as err:
                if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                landed = sum(report.count(outcome) for outcome in LANDED_OUTCOMES)
                raise LandingError(
                    f"disk full while landing into {settings.data_dir} ({err.strerror}); {landed} file(s) were "
                    "landed completely before it, nothing of the others was published; free space and "
                    "run again"
                ) from None
            # the dates this landing added files to, so the lake's file count stays bounded
            try:
                report.compaction = compact(
                    settings, manifest, report.days, workers=workers, progress=progress
                )
                ensure_uniform(settings)  # reads footers only after an upgrade changed the lake schema
            except OSError as err:  # what landed stays landed; the next landing tries again
                report.compaction.deferred = f"compaction or schema check failed: {err}"
        finally:
            manifest.close()
            shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report
