"""The native decoder: OTLP export requests (JSON lines, protobuf messages; traces, logs, metrics) →
Arrow tables of the lake.

`cpp/decoder.cpp` (C++, compiled by setup.py) takes the lines and messages it can decode exactly as
`normalize.Normalizer` would, and hands back the others (an unusual encoding, a record to quarantine, a
value to cap), which landing then runs through the Python path. The key tables stay in Python: the
decoder asks `AttributeFilter.key_plan` once per attribute key. Ids and content get `SubjectHasher`'s
keyed HMAC, with its key, in C++ when the build found OpenSSL.

It is used when it was compiled from the sources beside it (`cpp/`), content capture is off,
SPANLEDGER_NATIVE is not 0 and SPANLEDGER_PURE_PYTHON is not set; the tests in
`tests/landing/test_native_*.py` land the same inputs both ways and compare every column.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from orchestration.lake import attribute_keys, normalize_logs, semantics, tool_details
from orchestration.lake.privacy import AttributeFilter
from orchestration.lake.schema import COST, LAKE_TABLES, TS
from orchestration.native.modules import DECODER_MAIN, DECODER_MODULE, decoder_digest
from orchestration.otlp.wire import SIGNAL_NAMES as SIGNALS  # the decoder's bits

SOURCES = Path(__file__).with_name("cpp")  # decoder.cpp and the headers it includes
# How each LLM column's value is converted (the converters of semantics.LLM_COLUMNS, by name).
CONVERSIONS = {
    "feature": "str",
    "team": "str",
    "conversation_id": "str",
    "gen_ai_provider": "provider",
    "gen_ai_operation": "str",
    "request_model": "str",
    "response_model": "str",
    "input_tokens": "int",
    "output_tokens": "int",
    "cache_read_tokens": "int",
    "cache_write_tokens": "int",
    "reasoning_tokens": "int",
    "total_tokens": "int",
    "reported_cost_usd": "cost",
    "finish_reasons": "str",
    "is_streaming": "bool",
    "ttft_ms": "ttft",
    "prompt_id": "str",
    "prompt_version": "str",
    "tool_name": "str",
    "agent_name": "str",
    "sample_rate": "float",
    "retry_attempt": "int",
    "is_fallback": "bool",
    "http_status_code": "int",
    "error_type": "str",
    "eval_name": "str",
    "eval_score": "float",
    "eval_label": "str",
    "feedback_score": "float",
}
# String columns read with first_str, fed after the LLM columns in this order (cpp/plans.h, Pseudo).
PSEUDO_COLUMNS = (
    attribute_keys.TENANT_KEYS,
    ("service.name",),
    ("service.version",),
    ("service.namespace",),
    ("deployment.environment.name", "deployment.environment"),
    attribute_keys.MODEL_METRIC_KEYS,
    attribute_keys.TOKEN_TYPE_KEYS,
)
ARROW_TYPES = {
    "s": pa.string(),
    "l": pa.int64(),
    "d": pa.float64(),
    "b": pa.bool_(),
    "D": COST,
    "i": pa.int32(),
    "t": TS,
    "L": pa.list_(pa.int64()),
    "F": pa.list_(pa.float64()),
    "Q": LAKE_TABLES["metric_points"].field("quantile_values").type,
}
_module: Any = None
_status = ""


def _switched_off() -> bool:
    return os.environ.get("SPANLEDGER_NATIVE", "1") == "0" or bool(os.environ.get("SPANLEDGER_PURE_PYTHON"))


def available() -> bool:
    """Whether the native decoder may run here: compiled from the source beside it, not switched off."""
    return not _switched_off() and _load() is not None


def status() -> str:
    if _switched_off():
        return "off (SPANLEDGER_NATIVE=0 or SPANLEDGER_PURE_PYTHON)"
    _load()
    return _status


def _load() -> Any:
    global _module, _status
    if _status:
        return _module
    if set(CONVERSIONS) != set(semantics.LLM_COLUMNS):
        _status = "off (CONVERSIONS does not match semantics.LLM_COLUMNS)"
        return None
    try:
        module = importlib.import_module(DECODER_MODULE)
    except ImportError:
        _status = "not compiled (no C++ compiler or pysimdjson at install)"
        return None
    if (SOURCES / DECODER_MAIN).exists() and module.__compiled_from__ != decoder_digest(SOURCES):
        _status = "stale (built from another version of the source; `uv sync` rebuilds it)"
        return None
    _module, _status = module, "compiled"
    return _module


def plausible_signal(body: bytes) -> int:
    """otlp/wire.py's `plausible_signal`, natively (proto_common.h): 1 traces, 2 logs, 4 metrics, 0 unsure.
    Only while `available()`."""
    return _module.plausible_signal(body)


def count_newlines(data: bytes | memoryview, start: int = 0, end: int | None = None) -> int:
    """`data.count(b"\\n", start, end)`, natively when the module is built (about 5x faster): every byte
    of a landed file is counted twice, once when it is hashed and once when it is read."""
    module = _load()
    if module is None:
        return bytes(data[start:end]).count(b"\n")
    return module.count_newlines(data, start, len(data) if end is None else end)


@dataclass
class Decoded:
    """What one call decoded: {table: Arrow table with a `_day` column} (tables with rows only), the units
    refused with why, the records and units taken, and the signals among them."""

    tables: dict[str, pa.Table]
    refused: list[tuple]
    records: int
    units: int
    signals: set[str]


def _key_planner(attribute_filter: AttributeFilter, columns: list[str]):
    """The decoder's question about an attribute key, asked once per key: (privacy kind, [(column index,
    rank)] of the LLM and pseudo columns it feeds, convention flag, output-side content)."""
    index = {column: i for i, column in enumerate(columns)}
    pseudo: dict[str, list[tuple[int, int]]] = {}
    for p, keys in enumerate(PSEUDO_COLUMNS):
        for rank, key in enumerate(keys):
            pseudo.setdefault(key, []).append((len(columns) + p, rank))

    def plan(key: str) -> tuple[int, list[tuple[int, int]], int, bool]:
        kind, hits, flag, output_side = attribute_filter.key_plan(key)
        return kind, [(index[c], rank) for c, rank in hits] + pseudo.get(key, []), flag, output_side

    return plan


def _tool_facts(text_digest):
    """What one tool input leaves (tool_details.py), for the decoder: its input as text (a string as it
    is, anything else as its JSON), which `derived_attributes` reads as it reads the value itself."""

    def facts(key: str, text: str) -> list[tuple[str, str | bool]]:
        return list(tool_details.derived_attributes(key, text, text_digest).items())

    return facts


class NativeDecoder:
    """One landing task's decoder: its memos (key plans, id hashes, redacted metadata) live as long as the task."""

    def __init__(self, attribute_filter: AttributeFilter, native_hmac: bool = True):
        """`native_hmac=False` hashes through the Python hasher even when the build has OpenSSL."""
        if not available():
            raise RuntimeError(f"native decoder {_status}")
        columns = list(semantics.LLM_COLUMNS)
        self._decoder = _module.Decoder(
            # not a method of self: the C++ decoder holds it, and a cycle through a type without cyclic
            # GC is never freed (each task's decoder, memos and all, leaked: 20 MiB per 9 MB of spans)
            plan=_key_planner(attribute_filter, columns),
            hash_id=attribute_filter.hash,
            hash_bytes=attribute_filter.hash.bytes_digest,
            redact_metadata=attribute_filter.redact_metadata,
            max_value_chars=attribute_filter.max_value_chars,
            llm_columns=[(c, CONVERSIONS[c], semantics.LLM_COLUMNS[c][2]) for c in columns],
            span_kind_types=dict(attribute_keys.SPAN_KIND_TYPES),
            operation_types=dict(attribute_keys.OPERATION_TYPES),
            content_events=attribute_keys.CONTENT_EVENT_NAMES,
            claude_code_events=normalize_logs.CLAUDE_CODE_EVENTS,
            output_events=normalize_logs.OUTPUT_CONTENT_EVENTS,
            claude_code_service=normalize_logs.CLAUDE_CODE_SERVICE,
            claude_code_prefix=normalize_logs.CLAUDE_CODE_PREFIX,
            tool_facts=_tool_facts(attribute_filter.hash.text_digest),
            keep_content=attribute_filter.keep_content,
            **({"hmac_key": attribute_filter.hash.hmac_key} if native_hmac else {}),
        )

    def decode_lines(self, block: bytes | memoryview, first_line: int, file_id: str) -> Decoded:
        """Whole OTLP/JSON lines; refused: (line number, start and end of its stripped bytes in `block`, why)."""
        return _decoded(self._decoder.decode_lines(block, first_line), file_id)

    def decode_messages(
        self, data: bytes, bounds: list[tuple[int, int]], locations: list[str], file_id: str
    ) -> Decoded:
        """Protobuf export requests `data[start:end]`, each at its location; refused: (index, why)."""
        return _decoded(self._decoder.decode_messages(data, bounds, locations), file_id)


def _decoded(result: tuple, file_id: str) -> Decoded:
    columns, refused, records, units, signals = result
    tables = {}
    for table, built in columns.items():
        rows = built["_day"][1]
        if rows:
            tables[table] = _arrow_table(built, LAKE_TABLES[table], file_id, rows)
    return Decoded(tables, refused, records, units, {name for bit, name in SIGNALS.items() if signals & bit})


def file_id_column(file_id: str, rows: int) -> pa.Array:
    """`source_file_id` of `rows` rows of one file (`pa.repeat`: a Python list of n refs was 50x slower)."""
    return pa.repeat(pa.scalar(file_id, pa.string()), rows)


def _arrow_table(built: dict[str, tuple], schema: pa.Schema, file_id: str, rows: int) -> pa.Table:
    arrays = []
    for field in schema:
        if field.name == "source_file_id":
            arrays.append(file_id_column(file_id, rows))
        elif field.name in built:
            arrays.append(_arrow_array(built[field.name]))
        else:  # a column only the Python path fills (attributes_repaired: the decoder refuses such lines)
            arrays.append(pa.nulls(rows, field.type))
    arrays.append(_arrow_array(built["_day"]))
    return pa.Table.from_arrays(arrays, schema=schema.append(pa.field("_day", pa.int32())))


def _arrow_array(built: tuple) -> pa.Array:
    kind, length, validity, values, data = built
    buffers = [pa.py_buffer(validity), pa.py_buffer(values)]
    if kind in "LFQ":  # a list: offsets, then its values (a quantile list: quantiles and values)
        arrow_type = ARROW_TYPES[kind]
        items = int.from_bytes(values[-4:], "little") if values else 0
        if kind == "Q":
            children = [
                pa.Array.from_buffers(pa.float64(), items, [None, pa.py_buffer(part)]) for part in data
            ]
            child = pa.StructArray.from_arrays(children, fields=list(arrow_type.value_type))
        else:
            child = pa.Array.from_buffers(arrow_type.value_type, items, [None, pa.py_buffer(data)])
        return pa.Array.from_buffers(arrow_type, length, buffers, children=[child])
    if data is not None:
        buffers.append(pa.py_buffer(data))
    return pa.Array.from_buffers(ARROW_TYPES[kind], length, buffers)
