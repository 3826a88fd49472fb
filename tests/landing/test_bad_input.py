"""Bad input is quarantined with file, location, field and reason; it never sinks the file or the run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import zstandard

from orchestration.landing import land
from tests.landing.conftest import lake_rows, quarantine_rows

START_NS = 1_764_000_000_000_000_000  # 2025-11-24


def _span(i: int, **overrides) -> dict:
    span = {
        "traceId": f"{i:032x}",
        "spanId": f"{i + 1:016x}",
        "name": f"span-{i}",
        "kind": 2,
        "startTimeUnixNano": str(START_NS + i),
        "endTimeUnixNano": str(START_NS + i + 1_000_000),
        "attributes": [{"key": "tenant.id", "value": {"stringValue": "acme"}}],
    }
    span.update(overrides)
    return span


def _request(*spans: dict) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                "scopeSpans": [{"spans": list(spans)}],
            }
        ]
    }


def _reconciles(report) -> None:
    for outcome in report.files:
        assert outcome.records_in == outcome.records_landed + outcome.records_quarantined, outcome


def test_a_bad_line_does_not_sink_its_neighbours(settings, inbox):
    lines = [
        json.dumps(_request(_span(1))),
        "{not json",
        json.dumps(_request(_span(3))),
        "[1, 2]",
        json.dumps({"hello": "world"}),
    ]
    (inbox / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    report = land(settings, settle_seconds=0)
    _reconciles(report)
    assert lake_rows(settings, "spans") == [(2,)]
    reasons = {q["location"]: (q["field"], q["reason"]) for q in quarantine_rows(settings)}
    assert reasons["line 2"][0] == "json" and "malformed JSON" in reasons["line 2"][1]
    assert "expected an export request object" in reasons["line 4"][1]
    assert "unknown convention" in reasons["line 5"][1]
    assert all(q["source_path"].endswith("mixed.jsonl") for q in quarantine_rows(settings))


def test_record_level_errors_name_the_field(settings, inbox):
    bad = [
        _span(10, traceId="abc"),  # wrong length
        _span(11, spanId="zz" * 8),  # not hex or base64
        _span(12, startTimeUnixNano="12"),  # 1970: out of range
        _span(13, startTimeUnixNano="not a number"),
        _span(14, kind="SPAN_KIND_BOGUS"),
        _span(15, attributes="not a list"),
    ]
    (inbox / "bad.json").write_text(json.dumps(_request(_span(1), *bad, _span(2))))
    report = land(settings, settle_seconds=0)
    _reconciles(report)
    assert lake_rows(settings, "spans") == [(2,)]
    fields = sorted(q["field"] for q in quarantine_rows(settings))
    assert fields == sorted(
        ["traceId", "spanId", "startTimeUnixNano", "startTimeUnixNano", "kind", "attributes"]
    )
    assert all("spans[" in q["location"] for q in quarantine_rows(settings))


def test_huge_attributes_are_capped_with_a_marker(settings, inbox):
    huge = "x" * (settings.max_attribute_bytes * 4)
    span = _span(
        1,
        attributes=[
            {"key": "big", "value": {"stringValue": huge}},
            {"key": "tenant.id", "value": {"stringValue": "acme"}},
        ],
    )
    (inbox / "huge.json").write_text(json.dumps(_request(span)))
    land(settings, settle_seconds=0)
    [(attrs, truncated)] = lake_rows(settings, "spans", "attributes, attributes_truncated")
    assert truncated is True
    value = json.loads(attrs)["big"]
    assert len(value) < settings.max_attribute_bytes + 100 and "truncated" in value


def test_unknown_fields_are_ignored_and_snake_case_is_read(settings, inbox):
    span = {
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "span_id": "b7ad6b7169203331",
        "name": "snake",
        "start_time_unix_nano": START_NS,
        "end_time_unix_nano": START_NS + 5,
        "kind": "SPAN_KIND_CLIENT",
        "someFutureField": {"nested": True},
    }
    (inbox / "snake.json").write_text(
        json.dumps({"resource_spans": [{"scope_spans": [{"spans": [span]}], "newThing": 1}], "extra": []})
    )
    land(settings, settle_seconds=0)
    assert lake_rows(settings, "spans", "span_name, span_kind") == [("snake", "CLIENT")]


def test_empty_garbage_and_truncated_files(settings, inbox):
    good = (json.dumps(_request(_span(1))) + "\n" + json.dumps(_request(_span(2))) + "\n").encode()
    (inbox / "empty.jsonl").write_bytes(b"")
    (inbox / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (inbox / "cut.jsonl.gz").write_bytes(gzip.compress(good * 200)[:-40])
    (inbox / "cut.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(good * 200)[:-40])
    (inbox / "cut.jsonl").write_bytes(good + good[:30])
    report = land(settings, settle_seconds=0)
    _reconciles(report)
    outcomes = {Path(f.path).name: f for f in report.files}
    # Nothing to land, nothing lost: an empty file is no quarantine entry.
    assert outcomes["empty.jsonl"].outcome == "empty" and outcomes["empty.jsonl"].records_quarantined == 0
    # Bytes that are not OTLP cannot be counted in records: quarantined by their size.
    garbage = outcomes["garbage.bin"]
    assert (garbage.units_unreadable, garbage.bytes_unreadable, garbage.records_in) == (1, 1024, 0)
    # A file that ends in the middle of a record may still be being written: what is whole lands, the
    # cut record waits for its writer (neither quarantined nor lost).
    for name in ("cut.jsonl.gz", "cut.jsonl.zst", "cut.jsonl"):
        assert outcomes[name].records_landed > 0 and outcomes[name].records_quarantined == 0, name
        assert outcomes[name].pending_bytes > 0 and outcomes[name].units_unreadable == 0, name
    assert outcomes["cut.jsonl"].records_landed == 2
    landed_before = report.records_landed

    # The writers are gone (`--final`, or the tail timeout): each cut record is quarantined, by its size.
    final = land(settings, settle_seconds=0, final=True)
    finalized = {Path(f.path).name: f for f in final.files if f.outcome == "finalized"}
    assert sorted(finalized) == ["cut.jsonl", "cut.jsonl.gz", "cut.jsonl.zst"]
    assert all(f.units_unreadable == 1 and f.records_landed == 0 for f in finalized.values())
    assert final.records_landed == 0 and landed_before == lake_rows(settings, "spans")[0][0]
    reasons = " | ".join(q["reason"] for q in quarantine_rows(settings))
    assert "truncated record" in reasons and "not a decodable OTLP" in reasons
    # what cannot be counted stands as bytes (records null), never as a phantom "1 record"
    assert all(q["records"] is None and q["raw_bytes"] > 0 for q in quarantine_rows(settings))
    assert land(settings, settle_seconds=0, final=True).count("finalized") == 0  # settled once


def test_hostile_names_and_values_cannot_escape_the_lake(settings, inbox):
    name = "date=..%2F..%2Fetc; rm -rf ~ '$(x)'.json"
    span = _span(
        1,
        name="../../../../etc/passwd",
        attributes=[
            {"key": "tenant.id", "value": {"stringValue": "../../../escape"}},
            {"key": "date", "value": {"stringValue": "1999-01-01/../../x"}},
        ],
    )
    (inbox / name).write_text(json.dumps(_request(span)))
    land(settings, settle_seconds=0)
    written = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    lake_root = settings.data_dir.resolve()
    assert all(lake_root in p.resolve().parents for p in written)
    partitions = {p.parent.name for p in settings.lake_dir.rglob("*.parquet")}
    assert partitions <= {"date=1970-01-01", "date=2025-11-24"}
    assert lake_rows(settings, "spans", "tenant_id") == [("../../../escape",)]
