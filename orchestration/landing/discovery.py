"""Which files a landing considers, and which of them need reading, by the cheap checks only."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.landing.report import FileOutcome, LandingError, LandingReport
from orchestration.manifest import Manifest

TEMP_SUFFIXES = (".tmp", ".partial", ".part", ".swp", ".crdownload", ".lock")


@dataclass
class Pending:
    """A file to read: new, changed since it was last seen, or waiting for a cut record that has timed out."""

    path: Path
    stat: os.stat_result
    final: bool  # it stopped changing: a record it ends in the middle of is quarantined, not awaited
    source: str | None = None  # the object this is a local copy of (gs://, s3://): its name in the manifest

    @property
    def key(self) -> str:
        return self.source or str(self.path.resolve())


def candidate_files(inputs: Iterable[Path]) -> list[Path]:
    """Every file landing would consider under `inputs`, in a stable order: folders searched
    recursively, hidden and `_`-prefixed folders skipped, hidden and temporary files left out.
    The Dagster sensor uses the same list, so it never asks for a run landing would not do."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            for root, dirs, files in os.walk(item):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                found.extend(Path(root) / name for name in sorted(files))
        elif item.is_file():
            found.append(item)
        else:
            raise LandingError(f"input path does not exist or is not readable: {item}")
    return [path for path in found if not (path.name.startswith(".") or path.name.endswith(TEMP_SUFFIXES))]


def waiting_detail(pending_bytes: int, tail_timeout: float) -> str:
    return (
        f"its last {pending_bytes} bytes are a record cut mid-write: they land when the writer finishes it, "
        f"or are quarantined once the file has not changed for {tail_timeout:g}s (`spanledger land --final`)"
    )


def discover(
    manifest: Manifest,
    inputs: list[Path],
    settle: float,
    tail_timeout: float,
    final: bool,
    report: LandingReport,
) -> list[Pending]:
    """The files that may need landing: not settling, and changed since they were last seen (or waiting
    for a cut record whose writer is gone)."""
    now_ns = time.time_ns()
    pending = []
    for path in candidate_files(inputs):
        try:
            stat = path.stat()
        except OSError as err:
            raise LandingError(f"cannot read {path}: {err.strerror}") from None
        key = str(path.resolve())
        age = (now_ns - stat.st_mtime_ns) / 1e9
        if age < settle:
            report.files.append(
                FileOutcome(key, "settling", detail=f"modified < {settle:g}s ago; lands later")
            )
            continue
        seen = manifest.path_row(key)
        is_final = final or age >= tail_timeout
        if (
            seen is not None
            and (seen["size_bytes"], seen["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns)
            and seen["inode"] in (None, stat.st_ino)
        ):
            if not seen["pending_bytes"]:
                report.files.append(FileOutcome(key, "unchanged"))
                continue
            if not is_final:
                report.files.append(
                    FileOutcome(
                        key,
                        "waiting",
                        seen["file_id"],
                        detail=waiting_detail(seen["pending_bytes"], tail_timeout),
                        pending_bytes=seen["pending_bytes"],
                    )
                )
                continue
        pending.append(Pending(path, stat, is_final))
    return pending
