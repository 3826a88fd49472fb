"""Landing drops the late rows of an erased person's traces, also those without any id of theirs, on
both decoding paths (the native decoder's Arrow tables and the Python rows with content capture);
records in = landed + quarantined + suppressed stays exact."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.lake.suppression import trace_key
from orchestration.landing import land
from orchestration.settings import Settings
from tests.compliance.late_telemetry import export, log, span

START_NS = 1_764_000_000_000_000_000  # 2025-11-24
LISTED, LEARNED, OTHERS = "a1" * 16, "b2" * 16, "c3" * 16  # traces: erased before, new of mallory, carol's


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
    export(
        inbox / "late.jsonl",
        [
            span(LEARNED, 1, START_NS, "a"),  # no user id, before the row that names mallory in the same file
            span(LEARNED, 2, START_NS, "b", "mallory"),
            span(LISTED, 3, START_NS, "c"),
            span(LISTED, 4, START_NS, "d", "carol"),  # another user's row in the trace stays
            span(OTHERS, 5, START_NS, "e", "carol"),
            span(OTHERS, 6, START_NS, "f"),
            span(
                LISTED.upper(), 7, START_NS, "g", startTimeUnixNano="not a number"
            ),  # quarantined: suppressed
            span(OTHERS, 8, START_NS, "h", startTimeUnixNano="not a number"),  # quarantined: stays
        ],
        [log(LISTED, 9, START_NS, "i"), log(OTHERS, 10, START_NS, "j")],
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
    export(inbox / "later.jsonl", [span(LEARNED, 11, START_NS, "k"), span(OTHERS, 12, START_NS, "l")])
    report = land(settings, settle_seconds=0)
    [outcome] = [f for f in report.files if f.path.endswith("later.jsonl")]
    assert (outcome.records_in, outcome.records_landed, outcome.records_suppressed) == (2, 1, 1)
    assert LEARNED not in {t for t, _ in _rows(settings, "lake/spans")}
