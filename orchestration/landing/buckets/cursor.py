"""Where an incremental listing of a bucket input starts: per group of keys (one exporter's prefix),
the newest key with a time partition, and the folders whose keys have none.

A full listing (the first, and one every `SPANLEDGER_BUCKET_FULL_SWEEP_MINUTES`) rebuilds the cursor.
In between, each group is listed from the partition `SPANLEDGER_BUCKET_LOOKBACK_MINUTES` before its
newest key: keys written late into that window are seen at once, keys written later still into older
partitions (a collector that was down for hours and flushes its queue under the old times) at the next
full listing. Folders without a time partition have no order to start from: they are listed whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from orchestration.landing.buckets.layouts import listing_start, time_partition


@dataclass
class ListingCursor:
    newest: dict[str, str] = field(default_factory=dict)  # group → newest key with a time partition
    undated: list[str] = field(default_factory=list)  # folders of keys without one
    swept_at: float | None = None  # when the last full listing was, epoch seconds

    @classmethod
    def from_json(cls, text: str | None) -> ListingCursor | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(dict(data.get("newest", {})), list(data.get("undated", [])), data.get("swept_at"))

    def to_json(self) -> str:
        return json.dumps(
            {"newest": self.newest, "undated": sorted(self.undated), "swept_at": self.swept_at},
            sort_keys=True,
        )

    def sweep_due(self, sweep_minutes: float, now: float | None = None) -> bool:
        return self.swept_at is None or (now or time.time()) - self.swept_at >= sweep_minutes * 60

    def starts(self, lookback: timedelta, now: datetime | None = None) -> list[tuple[str, str | None]]:
        """(prefix, start-after key) of each listing an incremental pass makes."""
        now = now or datetime.now(UTC)
        starts: list[tuple[str, str | None]] = [
            (group, listing_start(key, lookback, now)) for group, key in sorted(self.newest.items())
        ]
        starts.extend((folder, None) for folder in sorted(self.undated))
        return starts

    def advanced(self, keys: Iterable[str], full: bool, now: float | None = None) -> ListingCursor:
        """The cursor after a listing that returned `keys`: a full one replaces it."""
        cursor = (
            ListingCursor(swept_at=now or time.time())
            if full
            else ListingCursor(dict(self.newest), list(self.undated), self.swept_at)
        )
        undated = set(cursor.undated)
        for key in keys:
            partition = time_partition(key)
            if partition is None:
                undated.add(key.rpartition("/")[0] + "/" if "/" in key else "")
            elif key > cursor.newest.get(partition.group, ""):
                cursor.newest[partition.group] = key
        cursor.undated = sorted(undated)
        return cursor
