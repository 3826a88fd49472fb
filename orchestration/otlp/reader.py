"""Read a byte range of an OTLP export file of any supported shape into units (one export request each).

Detected by content, not by name:
- whole-file gzip (1f 8b) or zstd (28 b5 2f fd) wrapping any of the shapes below;
- OTLP/JSON lines: one request per line (collector file exporter default, OTLP File Exporter spec);
- one JSON document per file (pretty-printed), an object or a list of requests;
- the collector file exporter's length-prefixed messages (`format: proto`, or `format: json` with
  `compression: zstd`), each optionally zstd-compressed;
- a single protobuf request body per file.

A unit that cannot be read is yielded with an error instead of a request: its neighbours still land.
Readers stop at the range's `end` and say where the next landing resumes (`resume`) and how many bytes
of a record cut mid-write they leave for it (`pending_bytes`); see lines.py and frames.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

import orjson

from orchestration.otlp.frames import MAX_PLAUSIBLE_FRAME, FrameReader, decode_message
from orchestration.otlp.lines import LineReader, units_of_block
from orchestration.otlp.streams import GZIP_MAGIC, ZSTD_MAGIC, ByteSource, Resume
from orchestration.otlp.units import FileShape, LineBlock, Unit, is_cut_short, load_json

MAX_DOCUMENT_BYTES = 1 << 30  # a single JSON document or proto body is read whole
SNIFF_BYTES = 1 << 16
RESUMABLE_FORMATS = ("jsonl", "proto-framed", "proto-framed-zstd")  # records can be appended


def sniff(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class RangeReader(Protocol):
    resume: Resume
    pending_bytes: int

    def __iter__(self) -> Iterator[Unit | LineBlock]: ...


def open_range(
    fh: BinaryIO,
    shape: FileShape,
    start: Resume,
    end: int,
    *,
    last: bool = True,
    final: bool = False,
    max_record: int = 32 << 20,
) -> RangeReader:
    """The reader of `[start, end)` of an open file of `shape`. `last`: the range ends at the file's
    hashed size (what follows its last whole record is the tail); `final`: the file stopped growing,
    so a cut record is quarantined rather than awaited."""
    if shape.format == "jsonl":
        return LineReader(fh, shape.compression, start, end, last=last, final=final, max_line=max_record)
    if shape.format.startswith("proto-framed"):
        return FrameReader(fh, shape.compression, start, end, final=final, max_frame=max_record)
    return WholeFileReader(fh, shape, end, final)


def read_units(path: Path) -> Iterator[Unit]:
    """Every unit of a whole, finished file, one at a time (for tools and tests; landing reads ranges)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        shape = detect_shape(fh, sniff(fh.read(8)), size)
        for item in open_range(fh, shape, Resume(), size, final=True):
            if isinstance(item, LineBlock):
                yield from units_of_block(item)
            else:
                yield item


class WholeFileReader:
    """A file read as one piece: a JSON document, a single protobuf body, or a file that is not OTLP."""

    def __init__(self, fh: BinaryIO, shape: FileShape, end: int, final: bool):
        self.fh, self.shape, self.end, self.final = fh, shape, end, final
        self.resume = Resume(end, 0, 2)
        self.pending_bytes = 0

    def __iter__(self) -> Iterator[Unit]:
        if self.shape.format == "empty":
            self.resume = Resume(0)  # nothing yet: whatever is written later lands from the start
            return
        if self.shape.format == "unknown":
            source = ByteSource(self.fh, self.shape.compression, Resume(), self.end)
            sample = source.peek(0, 256)
            yield Unit(
                "file",
                None,
                error_field="file",
                error="not OTLP: neither JSON nor protobuf export requests, or compressed data that is corrupt",
                raw=sample,
                size=self.end,
            )
            return
        source = ByteSource(self.fh, self.shape.compression, Resume(), self.end)
        payload = source.peek(0, MAX_DOCUMENT_BYTES + 1)
        if len(payload) > MAX_DOCUMENT_BYTES:
            yield Unit(
                "document",
                None,
                error_field="file",
                error="document larger than 1 GiB; use JSON lines",
                size=self.end,
            )
            return
        if source.gaps:
            yield Unit("document", None, error_field="file", error=source.gaps[0][1].detail, size=self.end)
            return
        if self.shape.format == "json":
            units = list(_document_units(payload, self.end))
        else:
            units = [decode_message(payload, "message 1", self.end, MAX_DOCUMENT_BYTES)]
        unreadable = len(units) == 1 and not units[0].readable
        still_written = source.inside_member or (self.shape.format == "json" and is_cut_short(payload))
        if (
            unreadable and not self.final and still_written
        ):  # wait for the rest, or for the file to stop changing
            self.resume, self.pending_bytes = Resume(0), self.end
            return
        yield from units


def _document_units(payload: bytes, size: int) -> Iterator[Unit]:
    try:
        document, repaired = load_json(payload)
    except orjson.JSONDecodeError as err:
        yield Unit(
            "document",
            None,
            error_field="json",
            error=f"malformed JSON: {err}",
            raw=payload[:4096],
            size=size,
        )
        return
    if isinstance(document, list):
        for i, item in enumerate(document):
            if isinstance(item, dict):
                yield Unit(f"document[{i}]", item, repaired=repaired)
            else:
                raw = orjson.dumps(item)
                yield Unit(
                    f"document[{i}]",
                    None,
                    error_field="json",
                    error="expected an export request object",
                    raw=raw,
                    size=len(raw),
                )
    elif isinstance(document, dict):
        yield Unit("document", document, size=size, repaired=repaired)
    else:
        yield Unit(
            "document",
            None,
            error_field="json",
            error="expected an export request object",
            raw=payload[:4096],
            size=size,
        )


# --- shape detection -------------------------------------------------------------------------------


def detect_shape(fh: BinaryIO, compression: str, end: int) -> FileShape:
    """The shape of the first `end` bytes of an open file, from its decompressed head. A compressed file
    cut mid-member is read as far as it goes (a writer may be appending to it)."""
    source = ByteSource(fh, compression, Resume(), end)
    head = source.peek(0, SNIFF_BYTES)
    if source.gaps and not head:
        return FileShape(compression, "unknown")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return FileShape(compression, "empty")
    if text[:1] in (b"{", b"["):
        if b"\n" not in text.strip() and len(head) == SNIFF_BYTES:  # a long first line: read to its end
            newline = _first_newline(source, len(head))
            if not newline:  # longer than any record is read: the line reader quarantines it by its size
                return FileShape(compression, "jsonl")
            text = source.peek(0, newline + 1).lstrip(b"\xef\xbb\xbf \t\r\n")
        first_line = text.split(b"\n", 1)[0].strip()
        if first_line in (b"{", b"["):
            return FileShape(compression, "json")
        try:
            load_json(first_line)
            return FileShape(compression, "jsonl")
        except orjson.JSONDecodeError:
            # One document spread over lines, or a first line that is broken: lines keep neighbours safe.
            # A first line with no newline yet is a document (or a line still being written: it waits).
            return FileShape(compression, "jsonl" if b"\n" in text.strip() else "json")
    if _looks_like_text(text):
        return FileShape(compression, "unknown")
    if _looks_framed(ByteSource(fh, compression, Resume(), end)):
        second = head[4:8]
        return FileShape(compression, "proto-framed-zstd" if second == ZSTD_MAGIC else "proto-framed")
    return FileShape(compression, "proto")


def _first_newline(source: ByteSource, searched: int, limit: int = 64 << 20) -> int:
    """Where the first line ends (0 if it does not within `limit` bytes)."""
    position = searched
    while position < limit:
        block = source.peek(position, 1 << 20)
        if not block:
            return 0
        found = block.find(b"\n")
        if found >= 0:
            return position + found
        position += len(block)
    return 0


def _looks_like_text(head: bytes) -> bool:
    """Printable UTF-8 that is not JSON (a README, a CSV, a log file) is not OTLP either."""
    try:
        text = head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def _looks_framed(source: ByteSource) -> bool:
    """Walk the length prefixes: they chain to the end (a truncated last frame is tolerated), or for
    at least two messages before one is corrupt (the frame reader resynchronises past it)."""
    position, frames = 0, 0
    while True:
        prefix = source.peek(position, 4)
        if len(prefix) < 4:
            return frames > 0
        length = int.from_bytes(prefix, "big")
        if length == 0 or length > MAX_PLAUSIBLE_FRAME:
            return frames >= 2
        first = source.peek(position + 4, 4)
        if frames == 0 and not (first == ZSTD_MAGIC or first[:1] in (b"\x0a", b"{")):
            return False  # every OTLP request starts with field 1 (resource_*), or is zstd, or JSON
        frames += 1
        reached = source.skip_to(position + 4 + length)
        if reached < position + 4 + length:
            return frames > 1 or reached > position + 4
        position = reached
        if frames >= 64:
            return True
