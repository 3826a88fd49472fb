"""For the Dagster sensor: which objects under bucket inputs a landing would download now, from a
listing that starts at the sensor's own cursor (so a tick costs the recent partitions, not the bucket)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from orchestration.landing.buckets.clients import open_store
from orchestration.landing.buckets.cursor import ListingCursor
from orchestration.landing.buckets.listing import list_input, wants_full
from orchestration.landing.buckets.state import ObjectState
from orchestration.landing.buckets.uri import parse_bucket_uri
from orchestration.manifest import Manifest
from orchestration.settings import Settings


@dataclass
class PendingObjects:
    objects: list[tuple[str, str, int]] = field(default_factory=list)  # uri, version, size
    cursors: dict[str, str] = field(default_factory=dict)  # input uri → cursor JSON, for the next tick
    keys_listed: int = 0


def pending_objects(settings: Settings, uris: list[str], cursors: dict[str, str]) -> PendingObjects:
    """Objects not landed in the version listed. Without a cursor for an input, or when its full sweep
    is due, the input is listed whole; else from the cursor (see cursor.py)."""
    found = PendingObjects()
    lookback = timedelta(minutes=settings.bucket_lookback_minutes)
    manifest = Manifest(settings.manifest_path) if settings.manifest_path.exists() else None
    try:
        state = ObjectState(manifest.db) if manifest else None
        for uri in uris:
            source = parse_bucket_uri(uri)
            cursor = ListingCursor.from_json(cursors.get(source.uri))
            full = wants_full(cursor, "auto", settings.bucket_full_sweep_minutes)
            listed = list_input(open_store(source), source, cursor, full, lookback)
            found.keys_listed += listed.listed
            found.cursors[source.uri] = listed.cursor.to_json()
            for info in listed.objects:
                object_uri = source.object_uri(info.key)
                if state is None or not state.unchanged(object_uri, info):
                    found.objects.append((object_uri, info.version, info.size))
    finally:
        if manifest:
            manifest.close()
    return found
