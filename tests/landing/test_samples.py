"""The public OTLP samples (tests/fixtures/samples, see SOURCES.md there) land with exact counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.landing import land
from orchestration.manifest import Manifest
from tests.landing.conftest import copy_samples, lake_rows, quarantine_rows


def _independent_counts(path: Path) -> dict[str, int]:
    """Count records with the standard library alone, as a second opinion on the decoder."""
    text = path.read_text()
    documents = (
        [json.loads(line) for line in text.splitlines() if line.strip()]
        if path.suffix == ".jsonl"
        else [json.loads(text)]
    )
    counts = {"spans": 0, "span_events": 0, "span_links": 0, "logs": 0, "metric_points": 0}
    for doc in documents:
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    counts["spans"] += 1
                    counts["span_events"] += len(span.get("events", []))
                    counts["span_links"] += len(span.get("links", []))
        for rl in doc.get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                counts["logs"] += len(sl.get("logRecords", []))
        for rm in doc.get("resourceMetrics", []):
            for sm in rm.get("scopeMetrics", []):
                for metric in sm.get("metrics", []):
                    for kind in ("sum", "gauge", "histogram", "exponentialHistogram", "summary"):
                        counts["metric_points"] += len(metric.get(kind, {}).get("dataPoints", []))
    return counts


def test_every_valid_sample_lands_with_exact_counts(settings, inbox):
    files = copy_samples(inbox)
    report = land(settings, settle_seconds=0)

    assert report.records_quarantined == 0, report.quarantine_examples
    by_path = {Path(f.path).name: f for f in report.files}
    expected_total = dict.fromkeys(("spans", "span_events", "span_links", "logs", "metric_points"), 0)
    for path in files:
        expected = _independent_counts(path)
        outcome = by_path[path.name]
        assert outcome.outcome == "landed"
        for table, n in expected.items():
            assert outcome.rows.get(table, 0) == n, (path.name, table)
            expected_total[table] += n
    for table, n in expected_total.items():
        assert lake_rows(settings, table) == [(n,)], table
    assert (
        report.records_in
        == report.records_landed
        == sum(expected_total[t] for t in ("spans", "logs", "metric_points"))
    )


def test_lenient_decoding_of_real_producer_quirks(settings, inbox):
    copy_samples(inbox)
    land(settings, settle_seconds=0)
    spans = dict(lake_rows(settings, "spans", "span_name, trace_id"))
    # UPPERCASE hex (opentelemetry-proto example) → lowercase; base64 (otlp2parquet) → hex.
    assert spans["I'm a server span"] == "5b8efff798038103d269b633813fc60c"
    assert all(len(t) == 32 and t == t.lower() for t in spans.values())
    kinds = {k for (k,) in lake_rows(settings, "spans", "distinct span_kind")}
    assert {"SERVER", "CLIENT", "INTERNAL", "UNSPECIFIED"} <= kinds
    # intValue as string, kvlist body, eventName on the record.
    events = lake_rows(settings, "logs", "event_name, body")
    assert ("browser.page_view",) in [(e,) for e, _ in events]
    attrs = lake_rows(settings, "logs", "attributes")
    assert any('"int.attribute":10' in (a or "") for (a,) in attrs)
    summary = lake_rows(settings, "metric_points", "quantile_values")
    assert any(q for (q,) in summary)


@pytest.mark.parametrize(
    "name, field",
    [
        ("otlp2parquet_invalid_malformed.json", "json"),
        ("otlp2parquet_invalid_trace_invalid_kind.json", "kind"),
        ("otlp2parquet_invalid_trace_mixed_encoding.json", "traceId"),
    ],
)
def test_invalid_samples_are_quarantined_with_a_reason(settings, inbox, name, field):
    copy_samples(inbox, invalid=True)
    report = land(settings, settle_seconds=0)
    entries = [q for q in quarantine_rows(settings) if q["source_path"].endswith(name)]
    assert len(entries) == 1
    assert entries[0]["field"] == field
    assert entries[0]["reason"]
    outcome = next(f for f in report.files if f.path.endswith(name))
    assert outcome.records_in == outcome.records_landed + outcome.records_quarantined
    if field == "json":  # a document that does not parse: its records cannot be counted, its bytes can
        assert (outcome.records_quarantined, outcome.units_unreadable) == (0, 1)
        assert entries[0]["records"] is None and entries[0]["raw_bytes"] == outcome.bytes_unreadable > 0
    else:
        assert outcome.records_quarantined == 1


def test_manifest_reconciles_every_file(settings, inbox):
    copy_samples(inbox)
    land(settings, settle_seconds=0)
    manifest = Manifest(settings.manifest_path)
    try:
        for record in manifest.files():
            assert record["records_in"] == record["records_landed"] + record["records_quarantined"], record[
                "path"
            ]
            assert record["status"] == "landed"
    finally:
        manifest.close()
