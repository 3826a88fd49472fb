"""Landing bucket inputs: list, skip objects whose version landed, spool the rest in bounded batches,
land each batch like local files, then note each object's version (and the cursor when all is done)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from orchestration.checkpoints import kill_at_from_env
from orchestration.landing.buckets.clients import open_store
from orchestration.landing.buckets.listing import list_input, wants_full
from orchestration.landing.buckets.spool import Spool
from orchestration.landing.buckets.state import ObjectState
from orchestration.landing.buckets.uri import parse_bucket_uri
from orchestration.landing.discovery import Pending
from orchestration.landing.report import FileOutcome, LandingReport
from orchestration.manifest import Manifest
from orchestration.settings import Settings

# Outcomes that settle an object's version for good; `settling` (gone or replaced while read) does not.
SETTLED = ("landed", "appended", "finalized", "duplicate", "empty")


def land_buckets(
    settings: Settings,
    manifest: Manifest,
    uris: list[str],
    report: LandingReport,
    land_batch: Callable[[list[Pending]], None],
    listing: str = "auto",
) -> None:
    """Land every new object version under `uris`. listing: auto (incremental from the stored cursor,
    full when none is stored or a full sweep is due), full, or incremental."""
    checkpoint = kill_at_from_env()
    state = ObjectState(manifest.db)
    lookback = timedelta(minutes=settings.bucket_lookback_minutes)
    for uri in uris:
        source = parse_bucket_uri(uri)
        store = open_store(source)
        cursor = state.cursor(source.uri)
        listed = list_input(
            store, source, cursor, wants_full(cursor, listing, settings.bucket_full_sweep_minutes), lookback
        )
        todo = []
        for info in listed.objects:
            if state.unchanged(source.object_uri(info.key), info):
                report.files.append(FileOutcome(source.object_uri(info.key), "unchanged"))
            else:
                todo.append(info)
        spool = Spool(settings.spool_dir, store, source, settings.spool_mb * 1024 * 1024)
        downloaded = 0
        try:
            for spooled, gone in spool.batches(todo):
                checkpoint("spooled")
                report.files.extend(gone)
                first = len(report.files)
                land_batch([item.pending for item in spooled])
                checkpoint("landed")
                versions = {item.uri: item.info for item in spooled}
                state.record(
                    [
                        (f.path, versions[f.path], f.file_id, f.outcome)
                        for f in report.files[first:]
                        if f.outcome in SETTLED and f.path in versions and f.file_id
                    ]
                )
                downloaded += sum(item.info.size for item in spooled)
        finally:
            spool.discard()
        state.save_cursor(source.uri, listed.cursor)
        report.listings.append(
            {
                "input": source.uri,
                "listing": "full" if listed.full else "incremental",
                "keys_listed": listed.listed,
                "objects": len(listed.objects),
                "objects_new": len(todo),
                "bytes_downloaded": downloaded,
            }
        )
