"""`rows_to_table` (one struct-array pass) gives exactly what the column-by-column conversion gave:
the same table for every value it accepts, an error (with the same message) for every value it refuses."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.lake.export_requests import Batch, detect_signal
from orchestration.lake.normalize import Normalizer
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.lake.schema import LAKE_TABLES, QUARANTINE, RESTRICTED_CONTENT
from orchestration.lake.writer import _split_convertible, rows_to_table
from orchestration.otlp.reader import FileShape, read_units

SCHEMAS = {**LAKE_TABLES, "quarantine": QUARANTINE, "restricted_content": RESTRICTED_CONTENT}
ODD_VALUES = [
    None,
    "",
    "x",
    "12",
    "1.5",
    "\ud800",
    "é",
    0,
    1,
    -1,
    2**31,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    1.0,
    1.5,
    -0.0,
    float("inf"),
    True,
    False,
    Decimal("1.5"),
    Decimal("1e40"),
    Decimal("NaN"),
    Decimal("1.1234567891"),
    b"by",
    [1, 2],
    [1.5],
    [],
    [None],
    {"a": 1},
    {},
    [{"quantile": 1, "value": 2}],
    [{"quantile": "x"}],
    (1, 2),
    [{"value": 1.0, "extra": 3}],
    datetime.datetime(2020, 1, 1),
    datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    datetime.date(2020, 1, 1),
    object(),
]


def reference(rows, schema: pa.Schema) -> pa.Table:
    """The former implementation: transpose in Python, then one `pa.array` per column."""
    names = schema.names
    columns = (
        list(zip(*[tuple(map(row.get, names)) for row in rows], strict=True)) if rows else [()] * len(names)
    )
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )


def _outcome(convert, rows, schema):
    try:
        table = convert(rows, schema)
    except Exception as err:  # noqa: BLE001 - the outcome being compared
        return "error", f"{type(err).__name__}: {err}"
    return table


def _one_field_per_type(schema: pa.Schema) -> list[str]:
    seen: dict[tuple[str, bool], str] = {}
    for field in schema:
        seen.setdefault((str(field.type), field.nullable), field.name)
    return list(seen.values())


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_odd_values_convert_or_fail_exactly_as_before(table):
    schema = SCHEMAS[table]
    for name in _one_field_per_type(schema):
        for value in ODD_VALUES:
            for rows in (
                [{name: value}],
                [{"trace_id": "a", name: value, "_day": 3}, {name: None}],
                [{name: 1}, {name: value}],
            ):
                fast, slow = _outcome(rows_to_table, rows, schema), _outcome(reference, rows, schema)
                if isinstance(slow, pa.Table):
                    assert isinstance(fast, pa.Table) and fast.schema == slow.schema, (name, value, fast)
                    assert fast.equals(slow), (name, value)
                else:
                    assert fast == slow, (name, value)


def test_empty_rows():
    for schema in SCHEMAS.values():
        assert rows_to_table([], schema).equals(reference([], schema))
        assert rows_to_table([], schema).schema == schema


def test_split_convertible_keeps_the_reference_reasons():
    schema = LAKE_TABLES["spans"]
    rows = [
        {"trace_id": "a", "span_id": "b", "input_tokens": 2**64},
        {"trace_id": "a", "span_id": "c"},
        {"trace_id": "a", "span_id": "d", "duration_ms": "fast"},
    ]
    good, bad = _split_convertible(rows, schema)
    assert good == [rows[1]]
    expected = []
    for row in (rows[0], rows[2]):
        with pytest.raises(Exception) as err:  # whatever the reference raises
            reference([row], schema)
        expected.append((row, f"{type(err.value).__name__}: {err.value}"))
    assert bad == expected


def test_generated_telemetry_converts_identically(tmp_path: Path):
    generate(
        GeneratorConfig(
            out_dir=tmp_path, days=1, start_date=date(2026, 3, 1), tenants=3, requests_per_day=150, seed=5
        )
    )
    for keep_content in (False, True):
        normalizer = Normalizer(
            AttributeFilter(
                SubjectHasher(b"k"), keep_content=keep_content, hash_sessions=True, max_value_chars=200
            ),
            "file",
            7,
        )
        batch = Batch()
        for path in sorted(tmp_path.iterdir()):
            for unit in read_units(path):
                request = None if isinstance(unit, FileShape) else unit.json_request()
                if request is None:
                    continue
                getattr(normalizer, detect_signal(request))(request, unit.location, batch)
        tables = {**{t: rows for t, rows in batch.rows.items() if rows}, "restricted_content": batch.content}
        assert set(tables) >= {"spans", "span_events", "logs", "metric_points"}
        for table, rows in tables.items():
            schema = SCHEMAS[table]
            fast, slow = rows_to_table(rows, schema), reference(rows, schema)
            assert fast.schema == slow.schema
            assert fast.equals(slow), table
