"""What one input file of a task became, and the quarantine entries that account for what did not land.

Records in = records landed + records quarantined + records suppressed, per file. A piece of a file
that cannot be read far enough to count its records (a malformed line, a corrupt compressed member,
an unreadable protobuf message) is quarantined by its size instead: `units_unreadable` and
`bytes_unreadable`, never counted as "1 record".
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from orchestration.landing.slicing import Task
from orchestration.otlp.streams import Resume

RAW_EXCERPT_CHARS = 2048
RECORD_TABLES = ("spans", "logs", "metric_points")


def quarantine_row(
    task: Task,
    location: str,
    field_name: str,
    reason: str,
    records: int | None,
    raw: bytes | str | None,
    signal: str | None,
    size: int = 0,
) -> dict[str, Any]:
    """A quarantine entry: `records` it stands for (None when they cannot be counted), `size` bytes."""
    raw_bytes = raw.encode() if isinstance(raw, str) else (raw or b"")
    return {
        "source_path": task.source or task.path,
        "source_file_id": task.file_id,
        "signal": signal,
        "location": location,
        "field": field_name,
        "reason": reason,
        "records": records,
        "raw_excerpt": raw_bytes[:RAW_EXCERPT_CHARS].decode("utf-8", "replace") if raw_bytes else None,
        "raw_bytes": max(size, len(raw_bytes)),
        "quarantined_at": int(time.time() * 1_000_000),
    }


def redacted_excerpt(raw: bytes | None) -> bytes | None:
    """A record set aside after parsing loses its attributes and body: those may hold people's data."""
    if not raw:
        return raw
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    if isinstance(obj, dict):
        for key in ("attributes", "body", "events", "links"):
            if key in obj:
                obj[key] = "[removed by spanledger]"
    return orjson.dumps(obj)


@dataclass
class Tally:
    """What one input file of a task became (a task may decode several small files)."""

    task: Task
    units_in: int = 0
    records_in: int = 0
    records_quarantined: int = 0
    records_suppressed: int = 0
    units_unreadable: int = 0
    bytes_unreadable: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    days: dict[str, set[str]] = field(default_factory=dict)
    signals: set[str] = field(default_factory=set)
    seconds: float = 0.0
    quarantine_examples: list[str] = field(default_factory=list)
    resume: Resume | None = None  # where the next landing starts (the file's last range only)
    pending_bytes: int = 0

    def result(self) -> dict[str, Any]:
        resume = self.resume
        return {
            "file_id": self.task.file_id,
            "chunk": self.task.chunk,
            "units_in": self.units_in,
            "records_in": self.records_in,
            "records_quarantined": self.records_quarantined,
            "records_landed": sum(self.rows[t] for t in RECORD_TABLES),
            "records_suppressed": self.records_suppressed,
            "units_unreadable": self.units_unreadable,
            "bytes_unreadable": self.bytes_unreadable,
            "rows": {t: n for t, n in self.rows.items() if t != "quarantine"},
            "days": {t: sorted(d) for t, d in self.days.items()},
            "signals": sorted(self.signals),
            "seconds": self.seconds,
            "quarantine_examples": self.quarantine_examples[:3],
            "resume": None
            if resume is None
            else {"offset": resume.offset, "skip": resume.skip, "unit": resume.unit},
            "pending_bytes": self.pending_bytes,
        }
