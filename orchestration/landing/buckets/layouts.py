"""Where the time partition sits in an object key, for the collector exporters' key layouts, so that a
listing can start shortly before the newest partition instead of at the bucket's first key.

- awss3exporter: `<s3_prefix>/<s3_partition_format>/<file_prefix><signal>_<random>.<json|binpb>[.gz]`,
  the partition format by default `year=%Y/month=%m/day=%d/hour=%H/minute=%M`, or any strftime layout
  such as `%Y/%m/%d/%H/%M`;
- googlecloudstorageexporter: `<partition.prefix>/<strftime(partition.format)>/<file_prefix>_<uuid>`
  (no suffix), e.g. `year=%Y/month=%m/day=%d`;
- hive-style dates: `dt=2026-03-01/hour=12`, `date=2026-03-01`.

A partition is a run of folders holding year, month, day, hour, minute in that order (labelled `name=`
or bare, zero-padded, at least down to the month). Zero-padding makes key order time order, which is
what a start-after listing relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

FIELDS = ("year", "month", "day", "hour", "minute")
_LEADING = re.compile(r"^(?P<label>[A-Za-z_]+=)?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")
_TWO_DIGITS = re.compile(r"^(?P<label>[A-Za-z_]+=)?(?P<value>\d{2})$")


@dataclass(frozen=True)
class Segment:
    label: str  # "year=", "" ...
    fields: tuple[str, ...]  # ("year",), ("year", "month", "day"), ("hour",) ...

    def render(self, at: datetime) -> str:
        if self.fields[0] == "year":
            text = "-".join(
                f"{getattr(at, f):04d}" if f == "year" else f"{getattr(at, f):02d}" for f in self.fields
            )
        else:
            text = f"{getattr(at, self.fields[0]):02d}"
        return self.label + text


@dataclass(frozen=True)
class TimePartition:
    group: str  # the key up to the partition, e.g. "otel/traces/" (objects of one exporter)
    segments: tuple[Segment, ...]
    at: datetime  # the partition's start, UTC

    def path_at(self, at: datetime) -> str:
        """The group and partition folders for another time, in this key's layout."""
        return self.group + "/".join(segment.render(at) for segment in self.segments)


def time_partition(key: str) -> TimePartition | None:
    """The time partition of an object key, or None when its folders hold none."""
    folders = key.split("/")[:-1]
    for start, folder in enumerate(folders):
        leading = _LEADING.match(folder)
        if leading is None:
            continue
        values = {f: int(leading.group(f)) for f in ("year", "month", "day") if leading.group(f)}
        segments = [Segment(leading.group("label") or "", tuple(values))]
        for folder_after in folders[start + 1 :]:
            following = _TWO_DIGITS.match(folder_after)
            missing = [f for f in FIELDS if f not in values]
            if following is None or not missing:
                break
            values[missing[0]] = int(following.group("value"))
            segments.append(Segment(following.group("label") or "", (missing[0],)))
        if "month" not in values:
            continue  # a lone four-digit folder is more likely an id than a year
        try:
            at = datetime(
                values["year"], values["month"], values.get("day", 1), values.get("hour", 0),
                values.get("minute", 0), tzinfo=UTC,
            )  # fmt: skip
        except ValueError:
            continue
        group = "".join(f"{folder}/" for folder in folders[:start])
        return TimePartition(group, tuple(segments), at)
    return None


def listing_start(newest_key: str, lookback: timedelta, now: datetime) -> str | None:
    """Where to start listing a group whose newest key is `newest_key`: the partition `lookback` before
    it (before now, if a writer's clock ran ahead), so keys written late into recent partitions are seen.
    Used as an exclusive start-after key: every key of that partition sorts after it."""
    partition = time_partition(newest_key)
    if partition is None:
        return None
    return partition.path_at(min(partition.at, now) - lookback)
