"""Notice new files in the drop folders, and new object versions in bucket inputs, and ask for a
landing run."""

import hashlib
import json
import time
from pathlib import Path

from dagster import RunRequest, SensorEvaluationContext, SkipReason, define_asset_job, sensor

from orchestration.defs.automation import sensor_status
from orchestration.defs.partitions import LANDING_KEY
from orchestration.defs.resources import SpanledgerResource

landing_job = define_asset_job(
    "landing_job", selection=[LANDING_KEY], description="Land new OTLP files into the Parquet lake."
)


def _pending_files(spanledger: SpanledgerResource) -> list[tuple[str, int, int]]:
    """(path, size, mtime) of the files a landing would read now: settled, and new or changed since the
    manifest saw them, or ending in a cut record whose writer is gone. Cheap: no hashing here."""
    from orchestration.landing import candidate_files
    from orchestration.landing.discovery import discover
    from orchestration.landing.report import LandingReport
    from orchestration.manifest import Manifest

    settings = spanledger.settings()
    roots = [root for root in spanledger.input_paths() if isinstance(root, Path) and root.exists()]
    if not settings.manifest_path.exists():  # nothing landed yet: every settled file is new
        now_ns = time.time_ns()
        found = [(path, path.stat()) for path in candidate_files(roots)]
        return [
            (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
            for path, stat in found
            if now_ns - stat.st_mtime_ns >= settings.settle_seconds * 1e9
        ]
    manifest = Manifest(settings.manifest_path)
    try:
        pending = discover(
            manifest, roots, settings.settle_seconds, settings.tail_timeout_seconds, False, LandingReport()
        )
    finally:
        manifest.close()
    return [(item.key, item.stat.st_size, item.stat.st_mtime_ns) for item in pending]


@sensor(
    job=landing_job,
    minimum_interval_seconds=60,
    default_status=sensor_status(),
    description="Starts a landing run when settled new files appear in the drop folder(s), or new object "
    "versions in the bucket input(s) (listed from the sensor's cursor: the recent partitions only).",
)
def new_otlp_files_sensor(context: SensorEvaluationContext, spanledger: SpanledgerResource):
    from orchestration.landing.buckets.pending import pending_objects

    pending: list[tuple] = list(_pending_files(spanledger))
    buckets = [uri for uri in spanledger.input_paths() if isinstance(uri, str)]
    tags = {}
    if buckets:
        objects = pending_objects(spanledger.settings(), buckets, json.loads(context.cursor or "{}"))
        context.update_cursor(json.dumps(objects.cursors, sort_keys=True))
        pending.extend(objects.objects)
        tags = {
            "spanledger/objects": str(len(objects.objects)),
            "spanledger/keys_listed": str(objects.keys_listed),
        }
    if not pending:
        return SkipReason(
            "no new files" + (f" ({tags['spanledger/keys_listed']} keys listed)" if tags else "")
        )
    # The same set of files asks for one run only, however often the sensor looks.
    run_key = hashlib.sha256(repr(pending).encode()).hexdigest()[:32]
    return RunRequest(run_key=run_key, tags={"spanledger/new_files": str(len(pending)), **tags})
