"""A collector stand-in for the live-writer tests: appends OTLP export records to a file in random chunk
sizes, with pauses, in one of the shapes collectors write while they are at work:

- jsonl: JSON lines (file exporter, `format: json`);
- jsonl-rotating: the same, renamed to `<name>.1` part way and continued in a new file at the name;
- jsonl-gz-members: gzip members appended, a few lines each;
- jsonl-zst-frames: zstd frames appended;
- jsonl-zst-stream: one zstd frame whose blocks are flushed as they are written (a streaming writer);
- proto-framed: 4-byte big-endian length + protobuf request (`format: proto`);
- proto-framed-zstd: the same with each message zstd-compressed (`compression: zstd`);
- json-framed-zstd: length-prefixed zstd-compressed JSON (`format: json` with `compression: zstd`).

Run as `python -m tests.landing.live_writer SHAPE PATH SEED REQUESTS SPANS_PER_REQUEST`; prints the
number of spans written. Span ids are unique per (seed, request, span), so a test can count distinct rows.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
import time
from pathlib import Path

import zstandard

START_NS = 1_764_000_000_000_000_000  # 2025-11-24


def _noise(seed: int, request: int, span: int) -> str:
    """Text that does not compress away, so compressed files grow by many chunks too."""
    return random.Random(seed * 1_000_003 + request * 1_009 + span).randbytes(60).hex()


def _span_ids(seed: int, request: int, span: int) -> tuple[str, str]:
    trace = f"{seed:08x}{request:08x}{0:016x}"
    return trace, f"{request:08x}{span:08x}"


def json_request(seed: int, request: int, spans: int) -> dict:
    out = []
    for s in range(spans):
        trace_id, span_id = _span_ids(seed, request, s)
        start = START_NS + request * 1_000_000 + s
        out.append(
            {
                "traceId": trace_id,
                "spanId": span_id,
                "name": f"call-{request}-{s}",
                "kind": 3,
                "startTimeUnixNano": str(start),
                "endTimeUnixNano": str(start + 2_000_000),
                "attributes": [
                    {"key": "tenant.id", "value": {"stringValue": "acme"}},
                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(10 + s)}},
                    {"key": "padding", "value": {"stringValue": "é" * (request % 40)}},  # multi-byte text
                    {"key": "noise", "value": {"stringValue": _noise(seed, request, s)}},
                ],
            }
        )
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "live"}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": out}]}]}


def proto_request(seed: int, request: int, spans: int) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    message = ExportTraceServiceRequest()
    resource_spans = message.resource_spans.add()
    resource_spans.resource.attributes.add(key="service.name", value={"string_value": "live"})
    scope = resource_spans.scope_spans.add()
    for s in range(spans):
        trace_id, span_id = _span_ids(seed, request, s)
        span = scope.spans.add()
        span.trace_id, span.span_id = bytes.fromhex(trace_id), bytes.fromhex(span_id)
        span.name, span.kind = f"call-{request}-{s}", 3
        span.start_time_unix_nano = START_NS + request * 1_000_000 + s
        span.end_time_unix_nano = span.start_time_unix_nano + 2_000_000
        span.attributes.add(key="tenant.id", value={"string_value": "acme"})
        span.attributes.add(key="noise", value={"string_value": _noise(seed, request, s)})
    return message.SerializeToString()


def pieces(shape: str, seed: int, requests: int, spans: int, rng: random.Random) -> list[bytes]:
    """The file's content as the pieces a writer emits whole (a line, a member, a frame, a message)."""
    lines = [
        json.dumps(json_request(seed, r, spans), ensure_ascii=False).encode() + b"\n" for r in range(requests)
    ]
    groups: list[list[bytes]] = []
    while lines:
        take = rng.randint(1, 5)
        groups.append(lines[:take])
        lines = lines[take:]
    if shape in ("jsonl", "jsonl-rotating"):
        return [b"".join(g) for g in groups]
    if shape == "jsonl-gz-members":
        return [gzip.compress(b"".join(g)) for g in groups]
    if shape == "jsonl-zst-frames":
        return [zstandard.ZstdCompressor().compress(b"".join(g)) for g in groups]
    if shape == "jsonl-zst-stream":
        compressor = zstandard.ZstdCompressor().compressobj()
        out = [
            compressor.compress(b"".join(g)) + compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            for g in groups
        ]
        return [*out, compressor.flush()]
    frames = []
    for r in range(requests):
        if shape == "proto-framed":
            body = proto_request(seed, r, spans)
        elif shape == "proto-framed-zstd":
            body = zstandard.ZstdCompressor().compress(proto_request(seed, r, spans))
        else:  # json-framed-zstd
            body = zstandard.ZstdCompressor().compress(json.dumps(json_request(seed, r, spans)).encode())
        frames.append(len(body).to_bytes(4, "big") + body)
    return frames


def write(shape: str, path: Path, seed: int, requests: int, spans: int) -> None:
    rng = random.Random(seed)
    content = pieces(shape, seed, requests, spans, rng)
    if shape == "jsonl-rotating":  # the collector's rotation: rename, then a new file at the same name
        cut = rng.randint(len(content) // 3, 2 * len(content) // 3)
        _write_chunks(path, b"".join(content[:cut]), rng)
        os.rename(path, path.with_name(path.name + ".1"))
        _write_chunks(path, b"".join(content[cut:]), rng)
    else:
        _write_chunks(path, b"".join(content), rng)


def _write_chunks(path: Path, data: bytes, rng: random.Random, seconds: float = 1.5) -> None:
    """Appends in chunks of 4 to 100 KB (log-uniform) that fall anywhere (inside lines, members, frames,
    characters), paced so that writing takes about `seconds` whatever the shape's size."""
    pause = seconds / max(len(data) / 20_000, 1)
    with open(path, "ab") as fh:
        position = 0
        while position < len(data):
            size = int(4 * 1024 * 25 ** rng.random())
            fh.write(data[position : position + size])
            fh.flush()
            position += size
            time.sleep(rng.uniform(0, 2 * pause))


if __name__ == "__main__":
    shape_arg, path_arg, seed_arg, requests_arg, spans_arg = sys.argv[1:6]
    write(shape_arg, Path(path_arg), int(seed_arg), int(requests_arg), int(spans_arg))
    print(int(requests_arg) * int(spans_arg))
