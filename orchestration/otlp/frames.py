"""The collector file exporter's length-prefixed messages (`format: proto`, and `format: json` with
`compression: zstd`): a 4-byte big-endian length, then an OTLP export request, protobuf or JSON, each
optionally zstd-compressed on its own; the whole file may also be gzip/zstd compressed.

A message whose length prefix or body is bad does not end the file: reading resynchronises at the
next offset where a whole, decodable message starts (and the one after it chains on), and the bytes
skipped are quarantined by their size. A message cut by the end of a growing file waits for its
writer (`pending_bytes`), unless the file is `final`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Generator, Iterator
from typing import BinaryIO

import zstandard

from orchestration.native import decoder as native
from orchestration.otlp import wire
from orchestration.otlp.streams import ZSTD_MAGIC, ByteSource, Gap, Resume
from orchestration.otlp.units import Unit, json_unit

MAX_PLAUSIBLE_FRAME = 1 << 30  # a length beyond this is never a message: the prefix is corrupt
SEARCH_WINDOW = 1 << 16
# A message body starts with protobuf field 1 (resource_*), zstd's magic, or "{"
_FIRST_BYTE = re.compile(b"[\x0a\x28\x7b]")


def decode_message(body: bytes, location: str, size: int, max_bytes: int) -> Unit:
    """One message's body → a Unit (a request, or the reason it cannot be read)."""
    if body[:4] == ZSTD_MAGIC:
        try:
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body))
            body = reader.read(max_bytes + 1)
        except zstandard.ZstdError as err:
            return Unit(location, None, error_field="zstd", error=f"corrupt zstd message: {err}", size=size)
        if len(body) > max_bytes:
            return Unit(
                location,
                None,
                error_field="zstd",
                error=f"message decompresses to more than {max_bytes} bytes (SPANLEDGER_MAX_LINE_BYTES)",
                size=size,
            )
    if body.lstrip()[:1] == b"{":  # format: json with compression: zstd writes JSON messages
        unit = json_unit(body.strip(), location, size)
        unit.raw = unit.raw[:256] if unit.raw else None
        return unit
    # told from the wire format (otlp/wire.py): protobuf parses it later, if the Python path needs it
    told = native.plausible_signal(body) if native.available() else wire.plausible_signal(body)
    if told:
        return Unit(location, None, signal=wire.SIGNAL_NAMES[told], size=size, body=body)
    # imported here: protobuf and the OTLP messages take 40 ms to import, which JSON inputs never need
    from orchestration.otlp.proto import ProtoDecodeError, parse_request

    try:
        signal, message = parse_request(body)
    except ProtoDecodeError as err:
        return Unit(location, None, error_field="protobuf", error=str(err), raw=body[:256], size=size)
    return Unit(location, None, signal=signal, size=size, message=message, body=body)


class FrameReader:
    """Iterate for Units; then read `resume` and `pending_bytes` (see LineReader)."""

    def __init__(
        self,
        fh: BinaryIO,
        compression: str,
        start: Resume,
        end: int,
        *,
        final: bool = False,
        max_frame: int = 32 << 20,
    ):
        self.source = ByteSource(fh, compression, start, end)
        self.compression, self.start, self.final, self.max_frame = compression, start, final, max_frame
        self.resume = Resume(end, 0, start.unit)
        self.pending_bytes = 0
        self._reported: set[int] = set()

    def _where(self, index: int, position: int) -> str:
        if self.compression == "none":
            return f"message {index} at byte {self.source.raw_offset(position)}"
        return f"message {index} at decompressed byte {self.start.skip + position}"

    def _length(self, position: int) -> int | None:
        prefix = self.source.peek(position, 4)
        return int.from_bytes(prefix, "big") if len(prefix) == 4 else None

    def _message_at(self, position: int, index: int) -> Unit | None:
        """The whole, decodable message at `position`, or None."""
        length = self._length(position)
        if length is None or not 0 < length <= self.max_frame:
            return None
        if self.source.gap_within(position, position + 4 + length - 1):
            return None
        body = self.source.peek(position + 4, length)
        if len(body) < length:
            return None
        unit = decode_message(body, self._where(index, position), 4 + length, self.max_frame)
        return unit if unit.readable else None

    def _chains(self, position: int) -> bool:
        """Whether what follows a message is the end or a plausible length prefix."""
        following = self._length(position)
        return following is None or 0 < following <= MAX_PLAUSIBLE_FRAME

    def _resynchronised(self, position: int, index: int) -> tuple[int, Unit] | None:
        """The next message after `position` that decodes and chains on, or None."""
        candidate = position + 1
        while True:
            self.source.release(candidate)
            window = self.source.peek(candidate, SEARCH_WINDOW + 5)
            if len(window) < 5:
                return None
            for match in _FIRST_BYTE.finditer(window, 4):
                at = candidate + match.start() - 4
                unit = self._message_at(at, index)
                if unit is not None and self._chains(at + unit.size):
                    return at, unit
            candidate += len(window) - 4

    def _gap_units(self, upto: int, index: int) -> Iterator[Unit]:
        """Corrupt compressed stretches passed on the way to `upto`, each quarantined by its size."""
        for at, gap in self.source.gaps:
            if at <= upto and at not in self._reported:
                self._reported.add(at)
                yield _gap_unit(gap, self._where(index, at))

    def __iter__(self) -> Iterator[Unit]:
        source = self.source
        position, index = 0, self.start.unit
        while True:
            source.release(position)
            yield from self._gap_units(position, index)
            length = self._length(position)
            if length is None:  # the end, or a length prefix cut short
                yield from self._tail(
                    position, index, len(source.peek(position, 4)), "truncated length prefix"
                )
                return
            if self.max_frame < length <= MAX_PLAUSIBLE_FRAME and self._chains(position + 4 + length):
                if not (yield from self._oversized(position, index, length)):
                    return
                position, index = position + 4 + length, index + 1
                continue
            unit = self._message_at(position, index)
            if unit is not None:
                yield unit
                position, index = position + unit.size, index + 1
                continue
            have = len(source.peek(position, 4 + min(length, self.max_frame)))
            cut_short = 0 < length <= self.max_frame and have < 4 + length
            if cut_short and not self.final:  # most likely the writer's next message: wait for it
                yield from self._tail(position, index, have, "")
                return
            excerpt = source.peek(position, 64)
            found = self._resynchronised(position, index)
            if found is None:  # nothing readable after it
                reason = (
                    f"truncated message: {have - 4} of {length} bytes"
                    if cut_short
                    else (f"length prefix {length} does not start a readable message")
                )
                yield from self._tail(position, index, source.skip_to(1 << 62) - position, reason)
                return
            yield from self._gap_units(found[0], index)
            yield Unit(
                self._where(index, position),
                None,
                error_field="frame",
                error=f"length prefix {length} does not start a readable message; "
                f"{found[0] - position} bytes skipped to the next message that decodes",
                raw=excerpt,
                size=found[0] - position,
            )
            position, index = found[0], index + 1

    def _oversized(self, position: int, index: int, length: int) -> Generator[Unit, None, bool]:
        """A message longer than the limit, read through without being kept; False if the range ends in it."""
        reached = self.source.skip_to(position + 4 + length)
        if reached < position + 4 + length:  # not all there yet
            yield from self._tail(position, index, reached - position, f"message of {length} bytes")
            return False
        yield Unit(
            self._where(index, position),
            None,
            error_field="frame",
            error=f"message of {length} bytes exceeds the {self.max_frame} bytes limit "
            "(SPANLEDGER_MAX_LINE_BYTES): not read; export smaller batches",
            size=4 + length,
        )
        return True

    def _tail(self, position: int, index: int, size: int, reason: str) -> Iterator[Unit]:
        """The range ends inside a message: wait for its writer, or quarantine it once the file is final."""
        source = self.source
        if size == 0:
            self.resume = source.resume_at(position, index)
        elif self.final:
            self.resume = source.resume_at(position + size, index + 1)
            yield Unit(
                self._where(index, position),
                None,
                error_field="frame",
                error=f"{reason or 'truncated message'}: the file ends {size} bytes into it and has stopped growing",
                size=size,
            )
        else:
            self.resume, self.pending_bytes = source.resume_at(position, index), size


def _gap_unit(gap: Gap, location: str) -> Unit:
    return Unit(
        location,
        None,
        error_field="file",
        error=f"{gap.detail}; compressed bytes {gap.raw_start} to {gap.raw_end} cannot be read; "
        "reading went on after them",
        size=gap.raw_end - gap.raw_start,
    )
