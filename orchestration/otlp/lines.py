"""OTLP/JSON lines of one byte range of a file, plain or compressed, in blocks of whole lines.

A range never reads past its `end` (the size landing hashed, or a line end where a big file is cut
into slices), so bytes a writer appends meanwhile belong to the next landing. What follows the last
newline of a file's last range is its tail: a whole record without its newline lands; a record cut
mid-write waits for the writer (`pending_bytes`, and `resume` points at its start) unless the file is
`final` (it stopped changing), when it is quarantined as truncated. A line longer than `max_line`
bytes is never held in memory: it is skipped and quarantined by its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import orjson

from orchestration.native.decoder import count_newlines
from orchestration.otlp.streams import Decompressed, Gap, Resume
from orchestration.otlp.units import LineBlock, Unit, is_cut_short, json_unit

BLOCK_BYTES = 4 << 20


def _complete_record(payload: bytes) -> bool:
    """A line without its newline that is a whole JSON object already (its writer may add the newline next)."""
    if payload[-1:] != b"}":
        return False
    try:
        return isinstance(orjson.loads(payload), dict)
    except orjson.JSONDecodeError:
        return False


class LineReader:
    """Iterate for LineBlocks of whole lines and Units (single lines, errors); then read `resume` (where
    the next landing of this file starts) and `pending_bytes` (a cut record waiting for its end)."""

    def __init__(
        self,
        fh: BinaryIO,
        compression: str,
        start: Resume,
        end: int,
        *,
        last: bool = True,
        final: bool = False,
        max_line: int = 32 << 20,
        block_bytes: int = BLOCK_BYTES,
    ):
        self.fh, self.compression, self.start, self.end = fh, compression, start, end
        self.last, self.final, self.max_line = last, final, max_line
        self.block_bytes = min(block_bytes, max_line)  # no line longer than max_line is ever parsed
        self.resume = Resume(end, 0, start.unit)
        self.pending_bytes = 0
        self._decompressed: Decompressed | None = None

    def __iter__(self) -> Iterator[LineBlock | Unit]:
        if self.compression == "none":
            return self._plain()
        return self._streamed()

    # --- what follows the last newline ------------------------------------------------------------
    def _tail(self, tail: bytes | None, size: int, line_no: int, tail_start: Resume) -> Iterator[Unit]:
        """`tail`: the bytes after the range's last newline (None when longer than `max_line`: not kept).
        A whole record lands; a record cut short waits for its writer, unless the file is final; a
        malformed one is quarantined at once. The line goes on after `resume` if more bytes come."""
        self.resume = Resume(self.resume.offset, self.resume.skip, line_no)
        if tail is not None and not tail.strip():
            return
        payload = tail.strip() if tail is not None else None
        location = f"line {line_no}"
        if not self.last:
            return  # a slice ends at a line end; bytes past it changed under us and belong to the next slice
        if payload is not None and _complete_record(payload):
            yield json_unit(payload, location, len(payload))
        elif payload is not None and not is_cut_short(payload):
            yield json_unit(payload, location, len(payload))  # malformed already: more bytes cannot mend it
        elif self.final:
            yield Unit(
                location,
                None,
                error_field="json",
                error=f"truncated record: the file ends {size} bytes into a line and has stopped growing",
                raw=tail[:4096] if tail is not None else None,
                size=size,
            )
        else:
            self.resume, self.pending_bytes = tail_start, size

    def _oversized(self, line_no: int, size: int) -> Unit:
        return Unit(
            f"line {line_no}",
            None,
            error_field="json",
            error=f"line of {size} bytes exceeds the {self.max_line} bytes limit (SPANLEDGER_MAX_LINE_BYTES): "
            "not read; export smaller batches",
            size=size,
        )

    # --- plain files ----------------------------------------------------------------------------
    def _plain(self) -> Iterator[LineBlock | Unit]:
        """Large reads cut at the last newline (a line at a time costs ~2 µs a span in `readline`), into
        one buffer that the blocks are views of: a new buffer and two copies a block were 2% of CPU."""
        line_no = self.start.unit
        block_bytes = self.block_bytes
        buffer = bytearray(block_bytes)
        view = memoryview(buffer)
        kept = 0  # a line begun in the last read, moved to the buffer's front
        skipping = 0  # bytes of a line longer than max_line seen so far (not kept)
        self.fh.seek(self.start.offset)
        position = self.start.offset  # raw offset just after the buffer's filled bytes
        while True:
            want = min(block_bytes, self.end - position)
            if kept + want > len(buffer):  # a line longer than a block: a larger buffer
                buffer = buffer[:kept] + bytearray(want)
                view = memoryview(buffer)
            got = self.fh.readinto(view[kept : kept + want]) if want > 0 else 0
            position += got
            filled = kept + got
            if skipping:
                newline = buffer.find(b"\n", 0, filled)
                if newline < 0:
                    if not got:
                        yield from self._skipped_tail(skipping, line_no, position)
                        return
                    skipping += got
                    kept = 0
                    continue
                yield self._oversized(line_no, skipping + newline + 1)
                line_no += 1
                skipping = 0
                filled -= newline + 1  # what follows the long line is read as if just read
                buffer[:filled] = buffer[newline + 1 : newline + 1 + filled]
            if not got:
                tail = bytes(view[:filled])
                self.resume = Resume(position, 0, line_no)
                yield from self._tail(tail, len(tail), line_no, Resume(position - filled, 0, line_no))
                return
            cut = buffer.rfind(b"\n", 0, filled) + 1
            if cut:
                yield LineBlock(line_no, view[:cut])
                line_no += count_newlines(view, 0, cut)
            kept = filled - cut
            if kept > self.max_line:
                skipping, kept = kept, 0
                continue
            buffer[:kept] = buffer[cut:filled]

    def _skipped_tail(self, size: int, line_no: int, position: int) -> Iterator[Unit]:
        """The range ended inside a line too long to keep."""
        self.resume = Resume(position, 0, line_no)
        if self.last and not self.final:
            self.resume, self.pending_bytes = Resume(position - size, 0, line_no), size
        elif self.last:
            self.resume = Resume(self.resume.offset, 0, line_no + 1)
            yield self._oversized(line_no, size)

    # --- gzip and zstd --------------------------------------------------------------------------
    def _streamed(self) -> Iterator[LineBlock | Unit]:
        """Decompressed chunks cut into blocks of whole lines; a corrupt member is quarantined by its
        compressed size and reading goes on at the next member."""
        decompressed = Decompressed(self.fh, self.compression, self.start.offset, self.end)
        self._decompressed = decompressed
        line_no = self.start.unit
        to_skip = self.start.skip
        pieces: list[bytes] = []
        held = 0  # bytes in pieces
        line_start = self.start.skip  # decompressed offset of the first byte held
        skipping = 0
        for item in decompressed:
            if isinstance(item, Gap):
                data = b"".join(pieces)
                cut = data.rfind(b"\n") + 1
                if cut:  # the whole lines before the corrupt stretch land
                    yield LineBlock(line_no, data[:cut])
                    line_no += count_newlines(data, 0, cut)
                lost = len(data) - cut + skipping  # the line the corrupt stretch cuts
                pieces, held, skipping = [], 0, 0
                line_start = decompressed.decompressed
                yield Unit(
                    f"line {line_no}",
                    None,
                    error_field="file",
                    error=f"{item.detail}; compressed bytes {item.raw_start} to {item.raw_end} cannot be read "
                    f"(with {lost} decompressed bytes of the line they cut); reading went on after them",
                    size=item.raw_end - item.raw_start,
                )
                line_no += 1
                continue
            if to_skip:
                if len(item) <= to_skip:
                    to_skip -= len(item)
                    continue
                item, to_skip = item[to_skip:], 0
            if skipping:
                newline = item.find(b"\n")
                if newline < 0:
                    skipping += len(item)
                    continue
                yield self._oversized(line_no, skipping + newline + 1)
                line_no += 1
                line_start += skipping + newline + 1
                skipping = 0
                item = item[newline + 1 :]
            pieces.append(item)
            held += len(item)
            if held >= self.block_bytes or held > self.max_line:
                data = b"".join(pieces)
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield LineBlock(line_no, data[:cut])
                    line_no += count_newlines(data, 0, cut)
                    line_start += cut
                rest = data[cut:]
                if len(rest) > self.max_line:
                    pieces, held, skipping = [], 0, len(rest)
                else:
                    pieces, held = ([rest] if rest else []), len(rest)
        data = b"".join(pieces)
        cut = data.rfind(b"\n") + 1
        if cut:
            yield LineBlock(line_no, data[:cut])
            line_no += count_newlines(data, 0, cut)
            line_start += cut
        tail_start = decompressed.resume_at(line_start, line_no)
        self.resume = decompressed.resume_at(decompressed.decompressed, line_no)  # all of it read
        if skipping:
            size = skipping + len(data) - cut
            if self.final:
                self.resume = Resume(self.resume.offset, self.resume.skip, line_no + 1)
                yield self._oversized(line_no, size)
            else:
                self.resume, self.pending_bytes = tail_start, size
            return
        tail = data[cut:]
        yield from self._tail(tail, len(tail), line_no, tail_start)


def units_of_block(block: LineBlock) -> Iterator[Unit]:
    """One Unit per non-blank line of the block."""
    for offset, line in enumerate(bytes(block.data).split(b"\n")[:-1]):
        payload = line.strip()
        if payload:
            yield json_unit(payload, f"line {block.first_line + offset}", len(payload))
