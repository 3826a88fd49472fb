"""What a landing did, file by file: the outcome of each input and the record accounting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from orchestration.lake.compaction import CompactionReport
from orchestration.native import decoder as native
from orchestration.native import hot_path

# landed: new content; appended: the new records of a file that grew; finalized: the cut record a
# file ended with, quarantined once the file stopped changing; waiting: a record cut mid-write waits
# for its writer; empty: nothing in it yet; duplicate: content landed before; unchanged: seen as is;
# settling: modified too recently, changed while read, or gone (lands at a later run).
LANDED_OUTCOMES = ("landed", "appended", "finalized")


class LandingProgress(Protocol):
    """Called as work is done: `name` is the file (or "compacting"), done / total are bytes (merges
    while compacting), `files` is (files done, files to do) while landing."""

    def __call__(self, name: str, done: int, total: int, *, files: tuple[int, int] | None = None) -> None: ...


class LandingError(RuntimeError):
    """A problem with the run itself (not with a file's content): bad paths, disk full."""


@dataclass
class FileOutcome:
    path: str
    outcome: str  # see LANDED_OUTCOMES and the comment above them
    file_id: str | None = None
    records_in: int = 0
    records_landed: int = 0
    records_quarantined: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    format: str | None = None
    detail: str | None = None
    records_suppressed: int = 0  # rows of erased subjects, deliberately not landed
    units_unreadable: int = 0  # quarantined pieces whose records cannot be counted (bad JSON, corrupt bytes)
    bytes_unreadable: int = 0
    pending_bytes: int = 0  # a record cut mid-write, left for the writer to finish


@dataclass
class LandingReport:
    files: list[FileOutcome] = field(default_factory=list)
    bytes_in: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    days: dict[str, list[str]] = field(default_factory=dict)
    quarantine_examples: list[str] = field(default_factory=list)
    recovered: int = 0
    compaction: CompactionReport = field(default_factory=CompactionReport)
    listings: list[dict[str, Any]] = field(default_factory=list)  # one per bucket input: what listing it took

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    def _total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def records_in(self) -> int:
        return self._total("records_in")

    @property
    def records_landed(self) -> int:
        return self._total("records_landed")

    @property
    def records_quarantined(self) -> int:
        return self._total("records_quarantined")

    @property
    def records_suppressed(self) -> int:
        return self._total("records_suppressed")

    @property
    def units_unreadable(self) -> int:
        return self._total("units_unreadable")

    @property
    def bytes_unreadable(self) -> int:
        return self._total("bytes_unreadable")

    @property
    def pending_bytes(self) -> int:
        return self._total("pending_bytes")

    @property
    def rows(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for f in self.files:
            for table, n in f.rows.items():
                total[table] = total.get(table, 0) + n
        return total

    def to_metadata(self) -> dict[str, Any]:
        return {
            "files_landed": sum(self.count(outcome) for outcome in LANDED_OUTCOMES),
            "files_duplicate": self.count("duplicate"),
            "files_settling": self.count("settling"),
            "files_waiting": sum(1 for f in self.files if f.pending_bytes),
            "records_in": self.records_in,
            "records_landed": self.records_landed,
            "records_quarantined": self.records_quarantined,
            "records_suppressed": self.records_suppressed,
            "units_unreadable": self.units_unreadable,
            "bytes_unreadable": self.bytes_unreadable,
            "bytes_waiting": self.pending_bytes,
            "bytes_in": self.bytes_in,
            "bytes_written": self.bytes_written,
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
            "hot_path": hot_path.summary(),
            "native_decoder": native.status(),
            **self.compaction.to_metadata(),
            "buckets": self.listings,
        }
