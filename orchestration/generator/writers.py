"""Encoding export requests into each output format, written atomically file by file.

A message (one Export*ServiceRequest dict) is encoded at most once per encoding (JSON line, protobuf)
however many formats share it. Files appear under their final name only when complete: they are
written as `.<name>.tmp` in the same directory and then `os.replace`d.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .config import FORMAT_SUFFIXES
from .otlp import for_proto
from .summary import WrittenFile

PROTO_TYPES = {
    "traces": ExportTraceServiceRequest,
    "logs": ExportLogsServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
TOP_KEY = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}
FRAME = struct.Struct(">I")  # collector file exporter, format: proto: 4-byte big-endian length prefix
ZSTD_LEVEL = 3
GZIP_LEVEL = 6


class Message:
    """One export request with lazily cached encodings."""

    __slots__ = ("signal", "doc", "_json", "_proto")

    def __init__(self, signal: str, doc: dict[str, Any]) -> None:
        self.signal = signal
        self.doc = doc
        self._json: bytes | None = None
        self._proto: bytes | None = None

    @property
    def json_line(self) -> bytes:
        if self._json is None:
            self._json = orjson.dumps(self.doc) + b"\n"
        return self._json

    @property
    def proto(self) -> bytes:
        if self._proto is None:
            request = PROTO_TYPES[self.signal]()
            json_format.ParseDict(for_proto(self.doc, self.signal), request)
            self._proto = request.SerializeToString(deterministic=True)
        return self._proto


class _File:
    """One output file of one format; opened on the first message so no empty files appear."""

    def __init__(self, fmt: str, final: Path) -> None:
        self.fmt = fmt
        self.final = final
        self.temp = final.with_name(f".{final.name}.tmp")
        self.raw: IO[bytes] = open(self.temp, "wb")  # noqa: SIM115 - held until close() publishes it
        self.stream: Any = self.raw
        self.pending: list[Message] = []  # single-document formats merge at close
        if fmt == "jsonl.gz":
            # filename="" and mtime=0: no temp name or clock in the header, so bytes are reproducible.
            self.stream = gzip.GzipFile(
                filename="", mode="wb", fileobj=self.raw, mtime=0, compresslevel=GZIP_LEVEL
            )
        elif fmt == "jsonl.zst":
            self.stream = zstandard.ZstdCompressor(level=ZSTD_LEVEL).stream_writer(self.raw, closefd=False)
        elif fmt == "proto-framed-zstd":
            self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)

    def write(self, message: Message) -> None:
        fmt = self.fmt
        if fmt in ("jsonl", "jsonl.gz", "jsonl.zst"):
            self.stream.write(message.json_line)
        elif fmt == "proto-framed":
            body = message.proto
            self.raw.write(FRAME.pack(len(body)) + body)
        elif fmt == "proto-framed-zstd":
            body = self.compressor.compress(
                message.proto
            )  # each message its own zstd frame, like the collector
            self.raw.write(FRAME.pack(len(body)) + body)
        else:  # json, proto: one document per file
            self.pending.append(message)

    def close(self) -> None:
        if self.fmt == "json":
            signal = self.pending[0].signal
            key = TOP_KEY[signal]
            merged = {key: [item for m in self.pending for item in m.doc[key]]}
            self.raw.write(orjson.dumps(merged, option=orjson.OPT_INDENT_2) + b"\n")
        elif self.fmt == "proto":
            # Concatenated serializations of one message type parse as their merge: the repeated
            # resource_* field simply accumulates, which is exactly one request holding everything.
            self.raw.write(b"".join(m.proto for m in self.pending))
        if self.stream is not self.raw:
            self.stream.close()  # flushes the compressor's trailer into raw (raw stays open)
        self.raw.flush()
        self.raw.close()
        os.replace(self.temp, self.final)

    def abort(self) -> None:
        try:
            self.raw.close()
        finally:
            self.temp.unlink(missing_ok=True)


class OutputSet:
    """All formats x signals of the current rotation slot (one day + sequence number)."""

    def __init__(self, out_dir: Path, formats: tuple[str, ...]) -> None:
        self.out_dir = out_dir
        self.formats = formats
        self.stem: str | None = None
        self.open_files: dict[tuple[str, str], _File] = {}
        self.written: list[WrittenFile] = []

    def rotate(self, day_tag: str, seq: int) -> None:
        self.close()
        self.stem = f"{day_tag}-{seq:04d}"

    def write(self, signal: str, doc: dict[str, Any]) -> Message:
        assert self.stem is not None, "rotate() before write()"
        message = Message(signal, doc)
        for fmt in self.formats:
            handle = self.open_files.get((signal, fmt))
            if handle is None:
                final = self.out_dir / f"{signal}-{self.stem}{FORMAT_SUFFIXES[fmt]}"
                handle = self.open_files[(signal, fmt)] = _File(fmt, final)
            handle.write(message)
        return message

    def close(self) -> None:
        for (signal, fmt), handle in self.open_files.items():
            handle.close()
            self.written.append(WrittenFile(str(handle.final), signal, fmt))
        self.open_files.clear()

    def abort(self) -> None:
        for handle in self.open_files.values():
            handle.abort()
        self.open_files.clear()
