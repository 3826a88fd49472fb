"""A file's work as tasks: big plain JSON-lines files cut into slices at line ends, the rest whole."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from orchestration.landing.identity import Candidate, LineMarks
from orchestration.otlp.streams import Resume
from orchestration.otlp.units import FileShape

# Big plain JSON-lines files are split at line ends so every core works on them. Slices come in
# multiples of the worker count (the cores finish together) and are as large as allowed: each slice
# writes its own lake files, and fewer, larger files need no compaction afterwards. Memory does not
# grow with a slice: it is read as a stream and written every FLUSH_ROWS rows.
MIN_SLICE_BYTES = 64 * 1024 * 1024
MAX_SLICE_BYTES = 1024 * 1024 * 1024


@dataclass
class Task:
    """One range of one file, decoded by one worker."""

    path: str
    file_id: str
    chunk: int
    start: Resume  # where the range starts (and the number of its first line or message)
    end: int  # raw byte where it stops: a line end, or the file's hashed size for its last range
    shape: FileShape
    landing_day: str
    last: bool = True  # ends at the file's hashed size: decides what becomes of a cut last record
    final: bool = False  # the file stopped changing: a cut last record is quarantined, not awaited
    inode: int | None = None  # the file as listed: a replaced file is not read under this id
    head_sha256: str | None = None
    file_id_path: str | None = None  # where an early slice (no file_id yet) finds its file's id
    source: str | None = None  # the object `path` is a local copy of: what quarantine entries name


def slice_bytes(new_bytes: int, workers: int) -> int:
    """How many bytes each slice of a file gets: see MIN_SLICE_BYTES."""
    slices = workers * math.ceil(new_bytes / (workers * MAX_SLICE_BYTES) or 1)
    return max(MIN_SLICE_BYTES, math.ceil(new_bytes / slices))


def line_end_after(fh: BinaryIO, target: int, size: int) -> int | None:
    """Where a slice meant to end at `target` ends: after the line that crosses it (found without
    holding the line: it may be very long). None when that is past the file's size (the slice is the last)."""
    if target >= size:
        return None
    fh.seek(target)
    position = target
    while position < size:
        block = fh.read(min(1 << 20, size - position))
        if not block:
            return None
        newline = block.find(b"\n")
        if newline >= 0:
            end = position + newline + 1
            return end if end < size else None
        position += len(block)
    return None


def split(
    path: Path, start: int, size: int, marks: LineMarks, chunk_bytes: int
) -> list[tuple[int, int, int]]:
    """(start, end, first_line) slices of bytes start..size of a plain JSON-lines file, cut at line ends."""
    slices: list[tuple[int, int, int]] = []
    with open(path, "rb") as fh:
        cursor = start
        while True:
            first_line = 1 + marks.before(fh, cursor)
            end = line_end_after(fh, cursor + chunk_bytes, size)
            if end is None:
                slices.append((cursor, size, first_line))
                return slices
            slices.append((cursor, end, first_line))
            cursor = end


def tasks_for(candidate: Candidate, landing_day: str, workers: int, after: Task | None = None) -> list[Task]:
    """The file's ranges, or those after an early slice (see early.py)."""
    resume = candidate.resume
    if after is not None:
        if after.last:
            return []
        resume = Resume(after.end, 0, 0)  # the line number comes from the marks below
    if candidate.shape.format == "jsonl" and candidate.compression == "none":
        slices = split(candidate.path, resume.offset, candidate.size, candidate.line_marks,
                       slice_bytes(candidate.size - resume.offset, workers))  # fmt: skip
        ranges = [(Resume(s, 0, line if after is not None or i else resume.unit), e) for i, (s, e, line) in
                  enumerate(slices)]  # fmt: skip
    else:
        ranges = [(resume, candidate.size)]
    first_chunk = after.chunk + 1 if after else 0
    return [
        Task(
            str(candidate.path.resolve()),
            candidate.file_id,
            first_chunk + i,
            start,
            end,
            candidate.shape,
            landing_day,
            last=i == len(ranges) - 1,
            final=candidate.final,
            inode=candidate.inode,
            head_sha256=candidate.head_sha256,
            source=candidate.source,
        )
        for i, (start, end) in enumerate(ranges)
    ]


def will_be_sliced(path: Path, size: int) -> bool:
    """Whether a file is plain and big enough to be cut into slices (see tasks_for), from its size and
    first bytes, before it is hashed."""
    if size <= MIN_SLICE_BYTES:
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return not head.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd"))
