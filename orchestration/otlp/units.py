"""What readers of export files yield: units (one export request each, or an error), blocks of JSON lines."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass
class Unit:
    location: str  # "line 12", "message 3 at byte 4096", "document"
    request: dict[str, Any] | None  # OTLP/JSON mapping as plain dicts
    signal: str | None = None  # known for protobuf; detected from keys for JSON
    error_field: str | None = None
    error: str | None = None
    raw: bytes | None = None
    size: int = 0  # bytes of the file this unit spans (what an unreadable unit costs, by its size)
    repaired: bool = False  # invalid text inside a value was replaced (see repair.py)
    # A protobuf request: its bytes (`body`), which the native decoder reads, parsed by protobuf
    # (`message`) and mapped to plain dicts only when the Python path needs them (`json_request`).
    message: Any = None
    body: bytes | None = None

    @property
    def readable(self) -> bool:
        return self.request is not None or self.message is not None or self.body is not None

    def json_request(self) -> dict[str, Any] | None:
        """The request as plain dicts (OTLP/JSON's mapping), a protobuf body parsed and mapped on first
        use. A body protobuf cannot parse leaves the unit unreadable, with `error` saying why."""
        if self.request is None and self.message is None and self.body is not None:
            # protobuf: only proto inputs import it
            from orchestration.otlp.proto import ProtoDecodeError, parse_request

            try:
                self.signal, self.message = parse_request(self.body)
            except ProtoDecodeError as err:
                self.error_field, self.error, self.raw, self.body = (
                    "protobuf",
                    str(err),
                    self.body[:256],
                    None,
                )
                return None
        if self.request is None and self.message is not None:
            from orchestration.otlp.proto import request_dict

            self.request, self.message, self.body = request_dict(self.message), None, None
        return self.request


@dataclass
class FileShape:
    compression: str  # none | gzip | zstd
    format: str  # jsonl | json | proto-framed | proto-framed-zstd | proto | empty | unknown


@dataclass
class LineBlock:
    """Whole JSON lines (each ending in a newline) read together, for the native trace decoder. A view
    of a plain file's read buffer is valid until the next block is asked for: take copies of what you keep."""

    first_line: int
    data: bytes | memoryview


def load_json(payload: bytes | str) -> tuple[Any, bool]:
    """The parsed JSON and whether invalid text in it was replaced (see repair.py); raises
    orjson.JSONDecodeError when it is malformed otherwise."""
    try:
        return orjson.loads(payload), False
    except orjson.JSONDecodeError:
        from orchestration.otlp.repair import repaired_json  # only text that fails to parse comes here

        repaired = repaired_json(
            payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
        )
        if repaired is None:
            raise
        return repaired, True


def json_unit(payload: bytes, location: str, size: int = 0) -> Unit:
    try:
        request, repaired = load_json(payload)
    except orjson.JSONDecodeError as err:
        return Unit(
            location, None, error_field="json", error=f"malformed JSON: {err}", raw=payload, size=size
        )
    if not isinstance(request, dict):
        return Unit(
            location,
            None,
            error_field="json",
            error=f"expected an export request object, got {type(request).__name__}",
            raw=payload,
            size=size,
        )
    return Unit(location, request, size=size, repaired=repaired)


def is_cut_short(payload: bytes) -> bool:
    """Whether JSON text is a record whose end has not been written yet (it may still be), rather than a
    malformed one: it parses up to its very last byte (a multi-byte character cut in two included)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(payload, final=False)
    except UnicodeDecodeError:
        return False
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as err:
        return err.pos >= len(text)
    return False
