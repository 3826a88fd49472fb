"""Reading a byte range of an export file, compressed or not, and knowing where to resume.

Collectors append to their files while we read them: plain files grow by lines or length-prefixed
frames, gzip files by whole members, zstd files by frames (or by blocks of one frame that a streaming
writer flushes). A landing reads up to the size it hashed, never further, and records where the next
one must start as a `Resume`: for a plain file the byte after the last whole record; for a compressed
file the start of the member (gzip) or frame (zstd) that holds the next record, plus how many of that
member's decompressed bytes were already landed. Members and frames decompress independently, so
reading can start at any of their boundaries.
"""

from __future__ import annotations

import zlib
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import zstandard

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
READ_BYTES = 1 << 20


@dataclass(frozen=True)
class Resume:
    """Where reading a file starts: `offset` is a raw byte (a record's end in a plain file, a member's
    or frame's start in a compressed one), `skip` the decompressed bytes of that member already
    landed, `unit` the number of the next line or message (for locations in the quarantine)."""

    offset: int = 0
    skip: int = 0
    unit: int = 1


@dataclass(frozen=True)
class Gap:
    """Compressed bytes [raw_start, raw_end) that could not be decompressed (a corrupt member); reading
    went on at the next member's magic bytes, or stopped at `raw_end` when there was none."""

    raw_start: int
    raw_end: int
    detail: str


def bounded_reads(fh: BinaryIO, start: int, end: int, size: int = READ_BYTES) -> Iterator[bytes]:
    """The bytes of [start, end) of an open file in reads of up to `size` (fewer if the file shrank)."""
    fh.seek(start)
    position = start
    while position < end:
        block = fh.read(min(size, end - position))
        if not block:
            return
        position += len(block)
        yield block


def _decompressor(compression: str):
    if compression == "gzip":
        return zlib.decompressobj(wbits=31)  # one gzip member, header and trailer checked
    return zstandard.ZstdDecompressor().decompressobj()  # one zstd frame


class Decompressed:
    """The decompressed bytes of a gzip or zstd file from a member boundary `start` up to raw byte
    `end`, member by member, noting where each member starts (raw) and where its output begins
    (decompressed), so any decompressed offset maps back to a `Resume`.

    After iteration, `inside_member` says the input ended in the middle of a member (a writer still at
    work, or a truncated file): its output so far was yielded, the rest may follow later."""

    def __init__(self, fh: BinaryIO, compression: str, start: int, end: int):
        self.fh, self.compression, self.start, self.end = fh, compression, start, end
        self._logical_starts = [0]  # decompressed offset where each member's output begins
        self._raw_starts = [start]  # raw offset of each member
        self.inside_member = False
        self.decompressed = 0

    def __iter__(self) -> Iterator[bytes | Gap]:
        position = self.start
        while position < self.end:
            gap = yield from self._members_from(position)
            if gap is None:
                return
            resumed = next_member(self.fh, self.compression, gap.raw_start, self.end)
            position = self.end if resumed is None else resumed
            yield Gap(gap.raw_start, position, gap.detail)
            self._logical_starts.append(self.decompressed)
            self._raw_starts.append(position)

    def _members_from(self, position: int) -> Iterator[bytes]:
        """Decompress members from raw `position` on; returns a Gap (its end unknown yet) at corrupt data."""
        decompressor = _decompressor(self.compression)
        fed = False  # the current member has been given input
        self.inside_member = False
        for block in bounded_reads(self.fh, position, self.end):
            position += len(block)
            data = block
            while data:
                if not fed and not data.strip(b"\0"):
                    break  # zero padding after the last member (some writers pad to a block)
                try:
                    out = decompressor.decompress(data)
                except (zlib.error, zstandard.ZstdError) as err:
                    return Gap(self._raw_starts[-1], position, f"{self.compression} data is corrupt: {err}")
                fed = True
                if out:
                    self.decompressed += len(out)
                    yield out
                if not decompressor.eof:
                    break
                data = decompressor.unused_data
                self._logical_starts.append(self.decompressed)
                self._raw_starts.append(position - len(data))
                decompressor, fed = _decompressor(self.compression), False
        self.inside_member = fed
        return None

    def resume_at(self, offset: int, unit: int) -> Resume:
        """Where to start reading so that decompressed byte `offset` (counted from `start`) comes first."""
        i = bisect_right(self._logical_starts, offset) - 1
        return Resume(self._raw_starts[i], offset - self._logical_starts[i], unit)


def next_member(fh: BinaryIO, compression: str, after: int, end: int) -> int | None:
    """The raw offset of the next member's magic bytes after `after`, before `end`, or None: where
    decompression may pick up again after a corrupt member."""
    magic = GZIP_MAGIC + b"\x08" if compression == "gzip" else ZSTD_MAGIC
    carry = b""
    position = after + 1
    for block in bounded_reads(fh, position, end):
        data = carry + block
        found = data.find(magic)
        if found >= 0:
            return position - len(carry) + found
        carry = data[-(len(magic) - 1) :]
        position += len(block)
    return None


class ByteSource:
    """A range of a file's decompressed bytes read as a stream of exact reads, with look-ahead (frames
    are found by their length prefixes, and resynchronising after a bad one searches ahead)."""

    def __init__(self, fh: BinaryIO, compression: str, start: Resume, end: int):
        self.compression = compression
        self._start = start
        if compression == "none":
            self._decompressed = None
            self._chunks = bounded_reads(fh, start.offset, end)
        else:
            self._decompressed = Decompressed(fh, compression, start.offset, end)
            self._chunks = iter(self._decompressed)
        self._buffer = bytearray()
        self._buffer_at = -start.skip  # stream offset of the buffer's first byte (skip bytes come first)
        self.exhausted = False
        self.gaps: list[tuple[int, Gap]] = []  # (stream offset, corrupt compressed bytes cut out there)
        self._fill(start.skip)
        del self._buffer[: start.skip]
        self._buffer_at = 0

    @property
    def inside_member(self) -> bool:
        return self._decompressed is not None and self._decompressed.inside_member

    def _fill(self, wanted: int) -> None:
        """Read until the buffer holds `wanted` bytes or the range ends."""
        while len(self._buffer) < wanted and not self.exhausted:
            try:
                item = next(self._chunks)
            except StopIteration:
                self.exhausted = True
                return
            if isinstance(item, Gap):
                self.gaps.append((self._buffer_at + len(self._buffer), item))
            else:
                self._buffer += item

    def peek(self, offset: int, n: int) -> bytes:
        """Bytes [offset, offset + n) of the stream (offsets count from the range's start); fewer at its end."""
        self._fill(offset - self._buffer_at + n)
        i = offset - self._buffer_at
        return bytes(self._buffer[i : i + n])

    def skip_to(self, offset: int) -> int:
        """Drop everything before `offset`, reading through it without keeping it; the offset reached."""
        while self._buffer_at + len(self._buffer) < offset and not self.exhausted:
            self._buffer_at += len(self._buffer)
            self._buffer.clear()
            self._fill(min(offset - self._buffer_at, READ_BYTES))
        self.release(min(offset, self._buffer_at + len(self._buffer)))
        return self._buffer_at

    def gap_within(self, start: int, stop: int) -> Gap | None:
        """A corrupt stretch cut out between stream offsets `start` (excluded) and `stop` (included)."""
        return next((gap for at, gap in self.gaps if start < at <= stop), None)

    def release(self, offset: int) -> None:
        """Bytes before `offset` are no longer needed."""
        drop = offset - self._buffer_at
        if drop > 0:
            del self._buffer[:drop]
            self._buffer_at = offset

    def raw_offset(self, offset: int) -> int:
        """For a plain file: the raw byte of stream offset `offset`."""
        return self._start.offset + offset

    def resume_at(self, offset: int, unit: int) -> Resume:
        if self._decompressed is None:
            return Resume(self._start.offset + offset, 0, unit)
        return self._decompressed.resume_at(self._start.skip + offset, unit)
