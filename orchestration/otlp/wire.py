"""A protobuf export request's signal told from its wire format alone, without building the message.

The frame reader asks this of every message: it is how a message is known to be whole and what it
holds, and how reading resynchronises after a corrupt one. The native decoder has the same check
(`plausible_signal` in native/cpp/proto_common.h, ~20x faster than protobuf's parse); this is its
reference, which the Python path runs, so both paths frame a file alike. The answer is protobuf's
(otlp/proto.py's `parse_request`) or 0 when unsure, and the caller then asks protobuf. Fields below the
records are not read here: a request malformed only there is refused when it is decoded, and quarantined
as one message.
"""

from __future__ import annotations

TRACES, LOGS, METRICS = 1, 2, 4  # the native decoder's bits
SIGNAL_NAMES = {TRACES: "traces", LOGS: "logs", METRICS: "metrics"}
VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5
_METRIC_DATA = frozenset({5, 7, 9, 10, 11})  # gauge, sum, histogram, exponential histogram, summary


class _Refused(Exception):
    """Malformed wire format: a cut or overlong varint, a length past the end, a group, a bad tag."""


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 70, 7):
        if pos >= end:
            raise _Refused
        byte = buf[pos]
        pos += 1
        if shift == 63 and byte > 1:
            raise _Refused
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    raise _Refused


def _fields(buf: bytes, start: int, end: int):
    """(field, wire type, value) of each field in buf[start:end]; a LEN value is its (start, end)."""
    pos = start
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        field, kind = tag >> 3, tag & 7
        if field == 0 or tag >> 32 or kind not in (VARINT, FIXED64, LEN, FIXED32):
            raise _Refused
        if kind == VARINT:
            value, pos = _varint(buf, pos, end)
        elif kind in (FIXED64, FIXED32):
            width = 8 if kind == FIXED64 else 4
            if end - pos < width:
                raise _Refused
            value, pos = int.from_bytes(buf[pos : pos + width], "little"), pos + width
        else:
            length, pos = _varint(buf, pos, end)
            if length > end - pos:
                raise _Refused
            value, pos = (pos, pos + length), pos + length
        yield field, kind, value


def _records(buf: bytes):
    """(start, end) of each record (span, log record, metric) of an export request; refused at a
    request field other than resource_* (not an OTLP export request)."""
    for field, kind, resource in _fields(buf, 0, len(buf)):
        if field != 1 or kind != LEN:
            raise _Refused
        for r_field, r_kind, scope in _fields(buf, *resource):
            if r_field != 2:
                continue
            _expect(r_kind, LEN)
            for s_field, s_kind, record in _fields(buf, *scope):
                if s_field == 2:
                    _expect(s_kind, LEN)
                    yield record


def _sniffed(buf: bytes) -> int:
    """The signal the first record's fields suggest (a span's start time, a log record's times, a
    metric's data), as the native decoder's `sniff_signal` guesses it."""
    for field, kind, _ in _fields(buf, 0, len(buf)):
        if field != 1:
            return 0
        if kind != LEN:
            raise _Refused
        break
    for start, end in _records(buf):
        metric_fields = log_fields = 0
        for field, kind, _ in _fields(buf, start, end):
            if field == 7 and kind == FIXED64:
                return TRACES
            metric_fields += field in _METRIC_DATA and kind == LEN
            log_fields += field in (1, 11) and kind == FIXED64
        return LOGS if log_fields else METRICS if metric_fields else 0
    return 0


def _expect(kind: int, wanted: int) -> None:
    if kind != wanted:  # protobuf would read a known field of another wire type as an unknown field
        raise _Refused


def _plausible(buf: bytes, start: int, end: int, signal: int) -> bool:
    trace_id = span_id = 0
    time = observed = 0
    named = data = False
    for field, kind, value in _fields(buf, start, end):
        if signal == TRACES and field in (1, 2):
            _expect(kind, LEN)
            trace_id, span_id = (
                (value[1] - value[0], span_id) if field == 1 else (trace_id, value[1] - value[0])
            )
        elif signal == TRACES and field == 7:
            _expect(kind, FIXED64)
            time = value
        elif signal == METRICS and field == 1:
            _expect(kind, LEN)
            try:
                named = bool(buf[value[0] : value[1]].decode("utf-8"))
            except UnicodeDecodeError:
                raise _Refused from None
        elif signal == METRICS and field in _METRIC_DATA:
            _expect(kind, LEN)
            data = True
        elif signal == LOGS and field == 9:
            _expect(kind, LEN)
            trace_id = value[1] - value[0]
        elif signal == LOGS and field in (1, 11):
            _expect(kind, FIXED64)
            time, observed = (value, observed) if field == 1 else (time, value)
    if signal == TRACES:
        return trace_id in (0, 16) and span_id in (0, 8) and bool(time)
    if signal == METRICS:
        return named and data
    return trace_id in (0, 16) and bool(time or observed)


def plausible_signal(body: bytes) -> int:
    """TRACES, LOGS or METRICS as protobuf would parse `body`; 0 when unsure (ask protobuf then)."""
    try:
        signal = _sniffed(body)
        if not signal:
            return 0
        records = 0
        for start, end in _records(body):
            if not _plausible(body, start, end, signal):
                return 0
            records += 1
    except _Refused:
        return 0
    return signal if records else 0
