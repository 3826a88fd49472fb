"""Notice new files in the drop folders and ask for a landing run."""

import hashlib
import time

from dagster import RunRequest, SensorEvaluationContext, SkipReason, define_asset_job, sensor

from orchestration.defs.partitions import LANDING_KEY
from orchestration.defs.resources import SpanledgerResource

landing_job = define_asset_job(
    "landing_job", selection=[LANDING_KEY], description="Land new OTLP files into the Parquet lake."
)


def _pending_files(spanledger: SpanledgerResource) -> list[tuple[str, int, int]]:
    """Settled files whose (path, size, mtime) the manifest has not seen; cheap: no hashing here."""
    from orchestration.landing import candidate_files
    from orchestration.manifest import Manifest

    settings = spanledger.settings()
    now_ns = time.time_ns()
    found = []
    for path in candidate_files([root for root in spanledger.input_paths() if root.exists()]):
        stat = path.stat()
        if now_ns - stat.st_mtime_ns >= settings.settle_seconds * 1e9:
            found.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    if not found or not settings.manifest_path.exists():
        return found
    manifest = Manifest(settings.manifest_path)
    try:
        return [f for f in found if not manifest.path_unchanged(*f)]
    finally:
        manifest.close()


@sensor(
    job=landing_job,
    minimum_interval_seconds=60,
    description="Starts a landing run when settled new files appear in the drop folder(s).",
)
def new_otlp_files_sensor(context: SensorEvaluationContext, spanledger: SpanledgerResource):
    pending = _pending_files(spanledger)
    if not pending:
        return SkipReason("no new files")
    # The same set of files asks for one run only, however often the sensor looks.
    run_key = hashlib.sha256(repr(pending).encode()).hexdigest()[:32]
    return RunRequest(run_key=run_key, tags={"spanledger/new_files": str(len(pending))})
