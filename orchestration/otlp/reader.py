"""Read an OTLP export file of any supported shape into units (one export request each).

Detected by content, not by name:
- whole-file gzip (1f 8b) or zstd (28 b5 2f fd) wrapping any of the shapes below;
- OTLP/JSON lines: one request per line (collector file exporter default, OTLP File Exporter spec);
- one JSON document per file (pretty-printed), an object or a list of requests;
- the collector file exporter's `format: proto`: 4-byte big-endian length + message, each message
  optionally zstd-compressed (`compression: zstd`);
- a single protobuf request body per file.

A unit that cannot be read is yielded with an error instead of a request: its neighbours still land.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from orchestration.lake.native import count_newlines

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MAX_DOCUMENT_BYTES = 1 << 30  # a single JSON document or proto body is read whole
MAX_FRAME_BYTES = 1 << 30


@dataclass
class Unit:
    location: str  # "line 12", "message 3 at byte 4096", "document"
    request: dict[str, Any] | None  # OTLP/JSON mapping as plain dicts
    signal: str | None = None  # known for protobuf; detected from keys for JSON
    error_field: str | None = None
    error: str | None = None
    raw: bytes | None = None


@dataclass
class FileShape:
    compression: str  # none | gzip | zstd
    format: str  # jsonl | json | proto-framed | proto-framed-zstd | proto | empty | unknown


def sniff(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


def open_decompressed(path: Path, compression: str) -> BinaryIO:
    raw = open(path, "rb")  # noqa: SIM115 - closed by the wrapper
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if compression == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        return io.BufferedReader(reader, buffer_size=1 << 20)  # adds readline()
    return raw


def read_units(
    path: Path,
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
    shape: FileShape | None = None,
    blocks: bool = False,
) -> Iterator[Unit | FileShape | LineBlock]:
    """Yield the file's shape first, then its units. `start`/`end` slice plain JSON-lines files. With
    `blocks`, JSON lines come as `LineBlock`s of whole lines (see `units_of_block`)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    compression = sniff(head)
    if shape is None:
        shape = detect_shape(path, compression)
    yield shape
    if shape.format == "empty":
        yield Unit("file", None, error_field="file", error="empty file: no OTLP content", raw=b"")
        return
    if shape.format == "jsonl":
        if blocks:
            yield from json_line_blocks(path, compression, start, end, first_line)
        else:
            yield from _json_lines(path, compression, start, end, first_line)
    elif shape.format == "json":
        yield from _json_document(path, compression)
    elif shape.format.startswith("proto-framed"):
        yield from _framed(path, compression, start)
    elif shape.format == "proto":
        yield from _single_proto(path, compression)
    else:
        with open(path, "rb") as fh:
            sample = fh.read(256)
        yield Unit(
            "file",
            None,
            error_field="file",
            error="not OTLP: neither JSON nor protobuf export requests",
            raw=sample,
        )


def _peek(path: Path, compression: str, size: int) -> tuple[bytes, str | None]:
    """First `size` bytes after decompression, extended to the end of the first line (lines can be
    many megabytes long), or an error if even those cannot be decompressed."""
    try:
        with open_decompressed(path, compression) as stream:
            head = stream.read(size)
            if b"\n" not in head and len(head) == size:
                head += stream.readline(MAX_DOCUMENT_BYTES)
            return head, None
    except (OSError, EOFError, zlib.error, zstandard.ZstdError) as err:
        return b"", f"{compression} stream is corrupt or truncated: {err}"


def detect_shape(path: Path, compression: str) -> FileShape:
    head, error = _peek(path, compression, 1 << 16)
    if error:
        return FileShape(compression, "unknown")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return FileShape(compression, "empty")
    if text[:1] in (b"{", b"["):
        first_line = text.split(b"\n", 1)[0].strip()
        if first_line in (b"{", b"["):
            return FileShape(compression, "json")
        try:
            orjson.loads(first_line)
            return FileShape(compression, "jsonl")
        except orjson.JSONDecodeError:
            # One document spread over lines, or a first line that is broken: lines keep neighbours safe.
            return FileShape(compression, "json" if b"\n" not in text.strip() else "jsonl")
    if _looks_like_text(text):
        return FileShape(compression, "unknown")
    if _looks_framed(path, compression):
        second = head[4:8]
        return FileShape(compression, "proto-framed-zstd" if second == ZSTD_MAGIC else "proto-framed")
    return FileShape(compression, "proto")


def _looks_like_text(head: bytes) -> bool:
    """Printable UTF-8 that is not JSON (a README, a CSV, a log file) is not OTLP either."""
    try:
        text = head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def _looks_framed(path: Path, compression: str) -> bool:
    """Walk the length prefixes: they must chain to the end (a truncated last frame is tolerated)."""
    try:
        with open_decompressed(path, compression) as stream:
            frames = 0
            while True:
                prefix = stream.read(4)
                if not prefix:
                    return frames > 0
                if len(prefix) < 4:
                    return frames > 0
                length = int.from_bytes(prefix, "big")
                if length == 0 or length > MAX_FRAME_BYTES:
                    return False
                body = stream.read(length)
                if frames == 0 and not (body[:4] == ZSTD_MAGIC or body[:1] == b"\x0a"):
                    return False  # every OTLP request starts with field 1 (resource_*), or is zstd
                frames += 1
                if len(body) < length:
                    return frames > 1
                if frames >= 64:
                    return True
    except (OSError, EOFError, zlib.error, zstandard.ZstdError):
        return False


def json_unit(payload: bytes, location: str) -> Unit:
    try:
        request = orjson.loads(payload)
    except orjson.JSONDecodeError as err:
        return Unit(location, None, error_field="json", error=f"malformed JSON: {err}", raw=payload)
    if not isinstance(request, dict):
        return Unit(
            location,
            None,
            error_field="json",
            error=f"expected an export request object, got {type(request).__name__}",
            raw=payload,
        )
    return Unit(location, request)


@dataclass
class LineBlock:
    """Whole JSON lines (each ending in a newline) read together, for the native trace decoder. A view
    of a plain file's read buffer is valid until the next block is asked for: take copies of what you keep."""

    first_line: int
    data: bytes | memoryview


BLOCK_BYTES = 4 << 20


def json_line_blocks(
    path: Path,
    compression: str,
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[LineBlock | Unit]:
    """The lines of `[start, end)` (a line that crosses `end` included) in blocks of whole lines. What
    is not a whole line comes as a Unit: a last line cut short, or a stream that cannot be read on."""
    if compression == "none":
        yield from _plain_line_blocks(path, start, end, first_line, block_bytes)
    else:
        yield from _streamed_line_blocks(path, compression, start, end, first_line, block_bytes)


def _streamed_line_blocks(
    path: Path, compression: str, start: int, end: int | None, first_line: int, block_bytes: int
) -> Iterator[LineBlock | Unit]:
    """`json_line_blocks` of a decompressed stream, a line at a time: a corrupt stream then fails after
    the last line it could give."""
    line_no = first_line - 1
    lines: list[bytes] = []
    size = 0
    stream = open_decompressed(path, compression)
    try:
        if start:
            stream.seek(start)
        position = start
        while True:
            try:
                line = stream.readline()
            except (OSError, EOFError, zlib.error, zstandard.ZstdError) as err:
                if lines:
                    yield LineBlock(line_no - len(lines) + 1, b"".join(lines))
                yield Unit(
                    f"line {line_no + 1}",
                    None,
                    error_field="file",
                    error=f"{compression} stream is corrupt or truncated after line {line_no}: {err}",
                )
                return
            if not line:
                break
            line_no += 1
            position += len(line)
            if line.endswith(b"\n"):
                lines.append(line)
                size += len(line)
            else:  # the file's last line, without its newline
                if lines:
                    yield LineBlock(line_no - len(lines), b"".join(lines))
                    lines, size = [], 0
                yield from _last_line(line, line_no)
            if end is not None and position >= end:
                break
            if size >= block_bytes:
                yield LineBlock(line_no - len(lines) + 1, b"".join(lines))
                lines, size = [], 0
        if lines:
            yield LineBlock(line_no - len(lines) + 1, b"".join(lines))
    finally:
        stream.close()


def _plain_line_blocks(
    path: Path, start: int, end: int | None, first_line: int, block_bytes: int
) -> Iterator[LineBlock | Unit]:
    """`json_line_blocks` of an uncompressed file: large reads cut at the last newline (a line at a
    time costs ~2 µs a span in `readline`), into one buffer that the blocks are views of: a new buffer
    and two copies a block were 2% of a landing's CPU."""
    line_no = first_line
    buffer = bytearray(block_bytes)
    view = memoryview(buffer)
    kept = 0  # a line begun in the last read, moved to the buffer's front
    with open(path, "rb") as fh:
        fh.seek(start)
        position = start
        while True:
            want = block_bytes if end is None else min(block_bytes, end - position)
            if kept + want > len(buffer):  # a line longer than a block: a larger buffer
                buffer = buffer[:kept] + bytearray(want)
                view = memoryview(buffer)
            got = fh.readinto(view[kept : kept + want]) if want > 0 else 0
            position += got
            filled = kept + got
            if not got or (end is not None and position >= end):
                data = bytes(view[:filled])
                if not data.endswith(b"\n"):  # the line that crosses `end` (at least one line is read)
                    data += fh.readline()
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield LineBlock(line_no, data[:cut])
                    line_no += count_newlines(data, 0, cut)
                yield from _last_line(data[cut:], line_no)  # the file's last line, without its newline
                return
            cut = buffer.rfind(b"\n", 0, filled) + 1
            if cut:
                yield LineBlock(line_no, view[:cut])
                line_no += count_newlines(view, 0, cut)
            kept = filled - cut
            buffer[:kept] = buffer[cut:filled]


def _last_line(line: bytes, line_no: int) -> Iterator[Unit]:
    """A file's last line, which has no newline: a record if it ends like one, else cut short."""
    payload = line.strip()
    if not payload:
        return
    if payload[-1:] != b"}":
        yield Unit(
            f"line {line_no}",
            None,
            error_field="json",
            error="truncated record: the file ends in the middle of a line",
            raw=payload,
        )
    else:
        yield json_unit(payload, f"line {line_no}")


def units_of_block(block: LineBlock) -> Iterator[Unit]:
    """One Unit per non-blank line of the block."""
    for offset, line in enumerate(bytes(block.data).split(b"\n")[:-1]):
        payload = line.strip()
        if payload:
            yield json_unit(payload, f"line {block.first_line + offset}")


def _json_lines(path: Path, compression: str, start: int, end: int | None, first_line: int) -> Iterator[Unit]:
    for item in json_line_blocks(path, compression, start, end, first_line):
        if isinstance(item, LineBlock):
            yield from units_of_block(item)
        else:
            yield item


def _json_document(path: Path, compression: str) -> Iterator[Unit]:
    with open_decompressed(path, compression) as stream:
        try:
            payload = stream.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as err:
            yield Unit("document", None, error_field="file", error=f"{compression} stream is corrupt: {err}")
            return
    if len(payload) > MAX_DOCUMENT_BYTES:
        yield Unit(
            "document", None, error_field="file", error="JSON document larger than 1 GiB; use JSON lines"
        )
        return
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as err:
        yield Unit("document", None, error_field="json", error=f"malformed JSON: {err}", raw=payload)
        return
    if isinstance(document, list):
        for i, item in enumerate(document):
            if isinstance(item, dict):
                yield Unit(f"document[{i}]", item)
            else:
                yield Unit(
                    f"document[{i}]",
                    None,
                    error_field="json",
                    error="expected an export request object",
                    raw=orjson.dumps(item),
                )
    elif isinstance(document, dict):
        yield Unit("document", document)
    else:
        yield Unit(
            "document", None, error_field="json", error="expected an export request object", raw=payload
        )


def _proto_unit(payload: bytes, location: str) -> Unit:
    # imported here: protobuf and the OTLP messages take 40 ms to import, which JSON inputs never need
    from orchestration.otlp.proto import ProtoDecodeError, decode_request

    try:
        signal, request = decode_request(payload)
    except ProtoDecodeError as err:
        return Unit(location, None, error_field="protobuf", error=str(err), raw=payload)
    return Unit(location, request, signal=signal)


def _framed(path: Path, compression: str, start: int) -> Iterator[Unit]:
    decompressor = zstandard.ZstdDecompressor()
    with open_decompressed(path, compression) as stream:
        if start:
            stream.seek(start)
        offset, index = start, 0
        while True:
            prefix = stream.read(4)
            if not prefix:
                return
            index += 1
            location = f"message {index} at byte {offset}"
            if len(prefix) < 4:
                yield Unit(location, None, error_field="frame", error="truncated length prefix", raw=prefix)
                return
            length = int.from_bytes(prefix, "big")
            if length > MAX_FRAME_BYTES:
                yield Unit(
                    location,
                    None,
                    error_field="frame",
                    error=f"frame length {length} is implausible; the rest of the file cannot be framed",
                    raw=prefix,
                )
                return
            body = stream.read(length)
            offset += 4 + len(body)
            if len(body) < length:
                yield Unit(
                    location,
                    None,
                    error_field="frame",
                    error=f"truncated message: {len(body)} of {length} bytes",
                    raw=body[:256],
                )
                return
            if body[:4] == ZSTD_MAGIC:
                try:
                    body = decompressor.decompressobj().decompress(body)
                except zstandard.ZstdError as err:
                    yield Unit(
                        location,
                        None,
                        error_field="zstd",
                        error=f"corrupt zstd message: {err}",
                        raw=body[:256],
                    )
                    continue
            yield _proto_unit(body, location)


def _single_proto(path: Path, compression: str) -> Iterator[Unit]:
    with open_decompressed(path, compression) as stream:
        try:
            payload = stream.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as err:
            yield Unit("message 1", None, error_field="file", error=f"{compression} stream is corrupt: {err}")
            return
    yield _proto_unit(payload, "message 1")
