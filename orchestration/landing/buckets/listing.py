"""One listing of a bucket input: everything under its prefix (full), or from its cursor on
(incremental: each group of keys from shortly before its newest time partition, see cursor.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from orchestration.landing.buckets.cursor import ListingCursor
from orchestration.landing.buckets.stores import ObjectInfo, ObjectStore
from orchestration.landing.buckets.uri import BucketInput, is_candidate_key


@dataclass
class Listing:
    objects: list[ObjectInfo]  # the objects landing would consider, in key order
    cursor: ListingCursor  # where the next incremental listing starts
    full: bool
    listed: int  # keys the store returned, candidates or not: what the listing cost


def wants_full(cursor: ListingCursor | None, mode: str, sweep_minutes: float) -> bool:
    """mode: full | incremental | auto (full when there is no cursor yet or a full sweep is due)."""
    if cursor is None or mode == "full":
        return True
    return mode == "auto" and cursor.sweep_due(sweep_minutes)


def list_input(
    store: ObjectStore, source: BucketInput, cursor: ListingCursor | None, full: bool, lookback: timedelta
) -> Listing:
    if full or cursor is None:
        starts: list[tuple[str, str | None]] = [(source.prefix, None)]
    else:  # groups were found under the input's prefix; a folder above it is listed from the prefix
        starts = [
            (prefix if prefix.startswith(source.prefix) else source.prefix, after)
            for prefix, after in cursor.starts(lookback)
        ]
    found: dict[str, ObjectInfo] = {}
    listed = 0
    for prefix, after in dict.fromkeys(starts):
        for info in store.list(prefix, after):
            listed += 1
            if info.key.startswith(source.prefix) and is_candidate_key(info.key, source.prefix):
                found[info.key] = info
    objects = [found[key] for key in sorted(found)]
    new_cursor = (cursor or ListingCursor()).advanced(found, full=full or cursor is None)
    return Listing(objects, new_cursor, full or cursor is None, listed)
