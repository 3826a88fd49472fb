"""Landing drops the late rows of an erased person's traces, also those without any id of theirs, on
both decoding paths (the native decoder's Arrow tables and the Python rows with content capture);
records in = landed + quarantined + suppressed stays exact."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.lake.suppression import trace_key
from orchestration.landing import land
from orchestration.settings import Settings

START_NS = 1_764_000_000_000_000_000  # 2025-11-24
LISTED, LEARNED, OTHERS = "a1" * 16, "b2" * 16, "c3" * 16  # traces: erased before, new of mallory, carol's


def _span(trace: str, i: int, user: str | None = None, **extra) -> dict:
    attributes = [{"key": "tenant.id", "value": {"stringValue": "acme"}}]
    if user:
        attributes.append({"key": "user.id", "value": {"stringValue": user}})
    attributes.append({"key": "input.value", "value": {"stringValue": f"prompt {trace} {i}"}})
    span = {
        "traceId": trace,
        "spanId": f"{i:016x}",
        "name": f"span-{i}",
        "kind": 1,
        "startTimeUnixNano": str(START_NS + i),
        "endTimeUnixNano": str(START_NS + i + 1_000_000),
        "attributes": attributes,
        "events": [{"name": "step", "timeUnixNano": str(START_NS + i), "attributes": []}],
    }
    span.update(extra)
    return span


def _log(trace: str, i: int) -> dict:
    return {
        "timeUnixNano": str(START_NS + i),
        "traceId": trace,
        "spanId": f"{i:016x}",
        "body": {"stringValue": f"evaluation of {trace}"},
        "attributes": [{"key": "tenant.id", "value": {"stringValue": "acme"}}],
    }


def _lines(*spans: dict, logs: tuple[dict, ...] = ()) -> str:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]}
    lines = [{"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [s]}]}]} for s in spans]
    lines += [{"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": [r]}]}]} for r in logs]
    return "".join(json.dumps(line) + "\n" for line in lines)


def _rows(settings: Settings, folder: str) -> list[tuple]:
    files = [str(p) for p in settings.data_dir.glob(f"{folder}/date=*/*.parquet")]
    if not files:
        return []
    with duckdb.connect() as con:
        return con.execute(
            "select trace_id, user_hash from read_parquet(?, union_by_name=true) order by all", [files]
        ).fetchall()


@pytest.mark.parametrize(
    "mode", ["native", "python", "python+content"], ids=["arrow", "rows", "rows-content"]
)
def test_late_rows_of_erased_traces_are_suppressed(mode: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    monkeypatch.setenv("SPANLEDGER_NATIVE", "1" if mode == "native" else "0")
    monkeypatch.setenv("SPANLEDGER_STORE_CONTENT", "1" if mode.endswith("content") else "0")
    settings = Settings.from_env(tmp_path / "data")
    hasher = SubjectHasher(settings.hmac_key)
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:  # what an erasure of mallory left
        index.suppress(hasher("mallory"), "req-1", "2026-01-01T00:00:00+00:00")
        index.suppress_traces([(trace_key(settings.hmac_key, LISTED), "2025-11-24")], "req-1", "2026-01-01")
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "late.jsonl").write_text(
        _lines(
            _span(LEARNED, 1),  # no user id, before the row that names mallory in the same file
            _span(LEARNED, 2, "mallory"),
            _span(LISTED, 3),
            _span(LISTED, 4, "carol"),  # another user's row in the trace stays
            _span(OTHERS, 5, "carol"),
            _span(OTHERS, 6),
            _span(LISTED.upper(), 7, startTimeUnixNano="not a number"),  # quarantined: suppressed
            _span(OTHERS, 8, startTimeUnixNano="not a number"),  # quarantined: stays
            logs=(_log(LISTED, 9), _log(OTHERS, 10)),
        )
    )
    [outcome] = land(settings, settle_seconds=0).files
    assert (outcome.records_in, outcome.records_landed, outcome.records_quarantined) == (10, 4, 1)
    assert outcome.records_suppressed == 5  # spans 1, 2, 3 and 7, the log of the listed trace
    carol = hasher("carol")
    assert _rows(settings, "lake/spans") == [(LISTED, carol), (OTHERS, carol), (OTHERS, None)]
    assert {t for t, _ in _rows(settings, "lake/span_events")} == {LISTED, OTHERS}
    assert _rows(settings, "lake/logs") == [(OTHERS, None)]
    quarantined = duckdb.sql(f"select raw_excerpt from '{settings.quarantine_dir}/*/*.parquet'").fetchall()
    assert len(quarantined) == 1 and OTHERS in quarantined[0][0]
    if mode.endswith("content"):
        assert {t for t, _ in _rows(settings, "restricted/content")} == {LISTED, OTHERS}
        assert (LISTED, None) not in _rows(settings, "restricted/content")

    # mallory's new trace was learned (as a key, under her request, with its day) ...
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        learned = index.trace_keys_of(["req-1"])
    assert learned == {
        trace_key(settings.hmac_key, LISTED): "2025-11-24",
        trace_key(settings.hmac_key, LEARNED): "2025-11-24",
    }
    assert LEARNED.encode() not in (settings.state_dir / "subjects.sqlite").read_bytes()
    # ... so its rows arriving later are suppressed too
    (inbox / "later.jsonl").write_text(_lines(_span(LEARNED, 11), _span(OTHERS, 12)))
    report = land(settings, settle_seconds=0)
    [outcome] = [f for f in report.files if f.path.endswith("later.jsonl")]
    assert (outcome.records_in, outcome.records_landed, outcome.records_suppressed) == (2, 1, 1)
    assert LEARNED not in {t for t, _ in _rows(settings, "lake/spans")}
