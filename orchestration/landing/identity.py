"""A file's identity: the sha256 of its first `size` bytes (the size it had when listed; bytes appended
since belong to the next landing), and the landed version it continues, if any.

A file that grew since it landed is recognised by the hash of its first bytes equalling a landed
version's id: it continues that version from where it stopped (`Resume`). Candidates for that are the
last version seen under the same name, under the same inode (a rotated file keeps its inode), and
versions with the same first 4 KiB (a copy). A file rotated, truncated or replaced by other bytes
matches none of them and lands as a new file.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from orchestration.landing.discovery import Pending, waiting_detail
from orchestration.landing.report import FileOutcome, LandingError, LandingReport
from orchestration.manifest import Manifest
from orchestration.native import decoder as native
from orchestration.otlp.reader import RESUMABLE_FORMATS, detect_shape, sniff
from orchestration.otlp.streams import Resume
from orchestration.otlp.units import FileShape

HEAD_BYTES = 4096
THREADED_HASH_BYTES = 32 * 1024 * 1024  # files this big are hashed in a thread while their lines are counted


class ChangedWhileRead(Exception):
    """The file shrank or was replaced between listing and reading: it lands at a later run."""


class LineMarks:
    """How many line ends come before each block boundary of a file, noted while it is hashed, so
    slicing a big file and numbering its lines takes no second pass over it."""

    def __init__(self) -> None:
        self.offsets = [0]
        self.counts = [0]

    def add(self, block: bytes | memoryview) -> None:
        self.offsets.append(self.offsets[-1] + len(block))
        self.counts.append(self.counts[-1] + native.count_newlines(block))

    def before(self, fh: BinaryIO, offset: int) -> int:
        """Line ends in bytes 0..offset: the nearest mark, plus at most one block read."""
        i = bisect_right(self.offsets, offset) - 1
        return self.counts[i] + count_newlines_between(fh, self.offsets[i], offset)


def count_newlines_between(fh: BinaryIO, start: int, end: int) -> int:
    """Line ends in bytes start..end of an open file, read in 16 MiB blocks."""
    fh.seek(start)
    count, remaining = 0, end - start
    while remaining > 0:
        block = fh.read(min(1 << 24, remaining))
        if not block:
            break
        count += native.count_newlines(block)
        remaining -= len(block)
    return count


@dataclass
class Candidate:
    """A file to decode: its identity, shape, and the landed version it continues."""

    path: Path
    size: int  # bytes landed up to (the size when listed)
    mtime_ns: int
    inode: int
    file_id: str
    head_sha256: str
    shape: FileShape
    line_marks: LineMarks  # line ends seen while hashing, for slicing plain JSON lines
    final: bool = False
    base: dict[str, Any] | None = None  # the manifest row of the version this one continues
    finalizes: bool = False  # this is `base` itself, unchanged: only its cut last record is settled
    resume: Resume = field(default_factory=Resume)
    source: str | None = None  # the object this is a local copy of (see Pending.source)

    @property
    def key(self) -> str:
        return self.source or str(self.path.resolve())

    @property
    def recorded_inode(self) -> int | None:
        """The inode the manifest keeps: none for a spooled object (its copy's inode means nothing later)."""
        return None if self.source else self.inode

    @property
    def compression(self) -> str:
        return self.shape.compression

    @property
    def new_bytes(self) -> int:
        return self.size - self.resume.offset


def resume_of(base: dict[str, Any], fh: BinaryIO, marks: LineMarks) -> Resume:
    """Where a version continuing `base` starts. Manifests of older versions lack the resume columns:
    their files were plain and landed whole."""
    offset = base["size_bytes"] if base.get("resume_offset") is None else base["resume_offset"]
    unit = base.get("resume_unit")
    if unit is None:
        unit = 1 + marks.before(fh, offset) if base["format"] == "jsonl" else 1
    return Resume(offset, base.get("resume_skip") or 0, unit)


def prefix_candidates(
    manifest: Manifest, head_sha: str, size: int, key: str, inode: int
) -> list[dict[str, Any]]:
    """Landed versions of a resumable format that may be a byte prefix of this file, longest first."""
    rows = manifest.prefix_candidates(head_sha, size, key, inode)
    return [row for row in rows if row["format"] in RESUMABLE_FORMATS]


def identify(
    fh: BinaryIO, size: int, manifest: Manifest, key: str, inode: int
) -> tuple[str, str, dict[str, Any] | None, LineMarks]:
    """Content hash of the first `size` bytes, head hash, the longest landed prefix (if any), line marks."""
    marks = LineMarks()
    fh.seek(0)
    head = fh.read(min(HEAD_BYTES, size))
    marks.add(head)
    head_sha = hashlib.sha256(head).hexdigest()
    wanted = {row["size_bytes"]: row for row in prefix_candidates(manifest, head_sha, size, key, inode)}
    digest = hashlib.sha256(head)
    position = len(head)
    base: dict[str, Any] | None = None
    for stop in sorted(wanted):
        position = _hash_until(fh, digest, marks, position, stop)
        if position == stop and digest.copy().hexdigest() == wanted[stop]["file_id"]:
            base = wanted[stop]
    if _hash_until(fh, digest, marks, position, size) != size:
        raise ChangedWhileRead("it shrank while it was read")
    return digest.hexdigest(), head_sha, base, marks


def _hash_until(fh: BinaryIO, digest: Any, marks: LineMarks, position: int, stop: int) -> int:
    """Hash bytes position..stop; the position reached (less than `stop` if the file ended first)."""
    if stop - position < THREADED_HASH_BYTES:
        while position < stop:
            block = fh.read(min(1 << 20, stop - position))
            if not block:
                break
            digest.update(block)
            marks.add(block)
            position += len(block)
        return position
    # Hashing (which releases the GIL) in a thread, counting lines here: ~40% less wall time. Two
    # buffers read into in turn: one is hashed while the other fills (fresh blocks cost page faults).
    views = [memoryview(bytearray(4 << 20)), memoryview(bytearray(4 << 20))]
    hashing: list[Future | None] = [None, None]
    with ThreadPoolExecutor(1, thread_name_prefix="spanledger-hash") as thread:
        turn = 0
        while position < stop:
            if hashing[turn] is not None:
                hashing[turn].result()  # done with this buffer
            got = fh.readinto(views[turn][: min(4 << 20, stop - position)])
            if not got:
                break
            block = views[turn][:got]
            hashing[turn] = thread.submit(digest.update, block)
            marks.add(block)
            position += got
            turn ^= 1
        for pending in hashing:
            if pending is not None:
                pending.result()
    return position


def identified(
    manifest: Manifest,
    pending: list[Pending],
    report: LandingReport,
    skipped: Callable[[int], None],
    tail_timeout: float,
) -> Iterator[Candidate]:
    """Hash each pending file when it is next in line, so decoding starts after the first file is
    hashed rather than the last (a backlog of GBs takes minutes to read); duplicates are set aside."""
    seen_ids: set[str] = set()
    for item in pending:
        key, size = item.key, item.stat.st_size
        try:
            with open(item.path, "rb") as fh:
                opened = os.fstat(fh.fileno())
                if opened.st_ino != item.stat.st_ino or opened.st_size < size:
                    raise ChangedWhileRead("it was replaced or shrank after it was listed")
                inode = -1 if item.source else opened.st_ino  # a spooled copy's inode names nothing landed
                file_id, head_sha, base, marks = identify(fh, size, manifest, key, inode)
                candidate = _candidate(
                    manifest, item, fh, file_id, head_sha, base, marks, seen_ids, tail_timeout
                )
        except FileNotFoundError:  # rotated away since it was listed: nothing to land now
            report.files.append(FileOutcome(key, "settling", detail="vanished before it was read"))
            skipped(size)
            continue
        except ChangedWhileRead as err:
            report.files.append(FileOutcome(key, "settling", detail=f"{err}; lands at a later run"))
            skipped(size)
            continue
        except OSError as err:
            raise LandingError(f"cannot read {item.path}: {err.strerror}") from None
        if isinstance(candidate, FileOutcome):
            report.files.append(candidate)
            skipped(size)
            continue
        seen_ids.add(file_id)
        yield candidate


def _candidate(
    manifest: Manifest,
    item: Pending,
    fh: BinaryIO,
    file_id: str,
    head_sha: str,
    base: dict[str, Any] | None,
    marks: LineMarks,
    seen_ids: set[str],
    tail_timeout: float,
) -> Candidate | FileOutcome:
    """What to do with an identified file: decode it (a Candidate), or why not (a FileOutcome)."""
    key, stat = item.key, item.stat
    inode = None if item.source else stat.st_ino
    now = datetime.now(UTC).isoformat()
    existing = manifest.landed(file_id)
    if existing and existing["pending_bytes"] and not manifest.continued(file_id):
        if not item.final:  # the same bytes, still waiting for the writer to finish their last record
            pending = existing["pending_bytes"]
            manifest.record_path(key, stat.st_size, stat.st_mtime_ns, file_id, "waiting", now, inode, pending)
            return FileOutcome(
                key, "waiting", file_id, detail=waiting_detail(pending, tail_timeout), pending_bytes=pending
            )
        shape = FileShape(existing["compression"], existing["format"])
        return Candidate(
            item.path, stat.st_size, stat.st_mtime_ns, stat.st_ino, file_id, head_sha, shape, marks,
            final=True, base=existing, finalizes=True, resume=resume_of(existing, fh, marks), source=item.source,
        )  # fmt: skip
    if existing or file_id in seen_ids:
        original = existing["path"] if existing else "a file earlier in this run"
        manifest.record_path(key, stat.st_size, stat.st_mtime_ns, file_id, "duplicate", now, inode)
        return FileOutcome(key, "duplicate", file_id, detail=f"same content as {original}")
    if base is not None:
        shape = FileShape(base["compression"], base["format"])
        resume = resume_of(base, fh, marks)
    else:
        fh.seek(0)
        shape = detect_shape(fh, sniff(fh.read(8)), stat.st_size)
        resume = Resume()
        if shape.format == "empty":  # nothing to land (yet): no quarantine entry for what holds no record
            manifest.record_path(key, stat.st_size, stat.st_mtime_ns, file_id, "empty", now, inode)
            return FileOutcome(key, "empty", file_id, detail="no records in it (yet)")
    return Candidate(
        item.path, stat.st_size, stat.st_mtime_ns, stat.st_ino, file_id, head_sha, shape, marks,
        final=item.final, base=base, resume=resume, source=item.source,
    )  # fmt: skip
