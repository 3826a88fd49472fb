"""Erasure follows the person, not only the rows carrying their id: after `erase --user U`, late
telemetry of U's traces without any id of U (child spans with prompts, span events and links, logs, a
broken record) is suppressed at landing with content capture on; rows of a new trace of U that landed
before the row naming U are found by the next erasure of U, which says how many (and which the nightly
job opens by itself); nothing of U's id,
hash, traces or prompts is left in any byte of the data directory after a build; others keep theirs."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.compliance.erasure import LEARNED_SOURCE
from orchestration.landing import land
from orchestration.warehouse.dbt_runner import run_dbt
from tests.compliance.conftest import DBT_VARS, settings_for, spanledger, subject_of, warehouse_tables
from tests.compliance.late_telemetry import export, log, span

pytestmark = pytest.mark.slow
NEW_TRACE = "5e" * 16  # a trace of U the first erasure could not know
NEWER_TRACE = "6f" * 16
TABLES = ("lake/spans", "lake/span_events", "lake/span_links", "lake/logs", "restricted/content")


def _relation(data_dir: Path, folder: str) -> str:
    return f"read_parquet({[str(p) for p in (data_dir / folder).glob('date=*/*.parquet')]!r}, union_by_name=true)"


def _people(data_dir: Path, subject: str) -> tuple[set[str], set[str], int, str]:
    """U's traces and sessions, the start of one of U's spans, and a trace of someone else."""
    spans = _relation(data_dir, "lake/spans")
    with duckdb.connect() as con:
        traces = {
            t
            for (t,) in con.execute(
                f"select distinct trace_id from {spans} where user_hash = ?", [subject]
            ).fetchall()
        }
        sessions = {
            s
            for (s,) in con.execute(
                f"select distinct session_hash from {spans} where user_hash = ? and session_hash is not null",
                [subject],
            ).fetchall()
        }
        (start,) = con.execute(
            f"select min(start_time_unix_nano) from {spans} where user_hash = ?", [subject]
        ).fetchone()
        (other,) = con.execute(
            f"select min(trace_id) from {spans} where user_hash is not null and user_hash <> ?", [subject]
        ).fetchone()
    return traces, sessions, start, other


def _others(data_dir: Path, subject: str, sessions: set[str], traces: set[str]) -> dict[str, int]:
    """Rows per table that are nobody's business of this erasure."""
    counts = {}
    with duckdb.connect() as con:
        con.execute(
            "create table mine as select unnest(?) as trace_id", [sorted(traces | {NEW_TRACE, NEWER_TRACE})]
        )
        con.execute("create table theirs as select unnest(?) as h", [sorted(sessions | {subject})])
        for folder in TABLES:
            counts[folder] = con.execute(
                f"select count(*) from {_relation(data_dir, folder)} where coalesce(trace_id, '') not in "
                "(select trace_id from mine) and coalesce(user_hash, '') not in (select h from theirs) "
                "and coalesce(session_hash, '') not in (select h from theirs)"
            ).fetchone()[0]
    return counts


def _only_theirs(data_dir: Path, traces: set[str]) -> list[str]:
    """Prompt / response texts of U's traces that no other trace holds."""
    content = _relation(data_dir, "restricted/content")
    with duckdb.connect() as con:
        con.execute("create table mine as select unnest(?) as trace_id", [sorted(traces)])
        return [
            c
            for (c,) in con.execute(
                f"select content from {content} group by content having "
                "bool_and(trace_id in (select trace_id from mine)) and length(content) >= 24"
            ).fetchall()
        ]


def _outcome(report, name: str):
    [outcome] = [f for f in report.files if f.path.endswith(name)]
    assert (
        outcome.records_in
        == outcome.records_landed + outcome.records_quarantined + outcome.records_suppressed
    )
    return outcome


def _holders(data_dir: Path, needles: list[str], hashes: list[str]) -> list[str]:
    """Every file of the data directory (the producer's inbox aside) with a needle in its bytes or
    decoded values; `hashes` may stay in state/, where the ledger and the suppression list keep them."""
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(data_dir)
        if (
            rel.parts[0] == "inbox" or rel.name == "summary.json"
        ):  # the producer's files, the generator's list
            continue
        wanted = needles + ([] if rel.parts[0] == "state" else hashes)
        data = path.read_bytes()
        hits = [n for n in wanted if n.encode() in data]
        if not hits and path.suffix == ".parquet":
            text = repr(pq.ParquetFile(path).read().to_pylist())
            hits = [n for n in wanted if n in text]
        if not hits and path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as con:
                text = repr(
                    [
                        con.execute(f'select * from "{s}"."{t}"').fetchall()
                        for s, t, _ in warehouse_tables(path)
                    ]
                )
            hits = [n for n in wanted if n in text]
        if hits:
            found.append(f"{rel}: {hits[:3]}")
    return found


def test_erasure_follows_the_persons_traces(data_dir: Path) -> None:
    settings = dataclasses.replace(settings_for(data_dir), store_content=True, content_ttl_days=400)
    raw, subject = subject_of(data_dir)
    traces, sessions, start, other_trace = _people(data_dir, subject)
    texts = _only_theirs(data_dir, traces)
    assert len(traces) >= 10 and sessions and texts, "the test needs a person with traces and prompts"
    others = _others(data_dir, subject, sessions, traces)

    first = json.loads(spanledger(data_dir, "erase", "--user", raw, "--json").stdout)
    assert [r["status"] for r in first] == ["done"]

    # late telemetry of U's traces, none of it naming U: spans with prompts, events, links, logs, and
    # a broken record; beside it, someone else's late rows
    late = sorted(traces)[:3]
    spans = [span(t, i, start, f"late secret {i}") for i, t in enumerate(late)]
    spans.append(span(late[0].upper(), 9, start, "late secret 9", startTimeUnixNano="not a number"))
    spans.append(span(other_trace, 10, start, "someone else's"))
    logs = [log(t, 20 + i, start, f"late secret {20 + i}") for i, t in enumerate(late)]
    logs.append(log(other_trace, 30, start, "someone else's"))
    export(settings.inbox_dir / "late-1.jsonl", spans, logs)
    landed = _outcome(land(settings, settle_seconds=0), "late-1.jsonl")
    assert (landed.records_suppressed, landed.records_landed, landed.records_quarantined) == (7, 2, 0)

    # a new trace of U: its rows without an id land first (nothing links them to U yet), then the
    # row naming U arrives: suppressed, and its trace learned (as a key) for the next erasure
    early = [span(NEW_TRACE, 40 + i, start, f"late secret {40 + i}") for i in range(2)]
    early.append(span(NEW_TRACE, 42, start, "late secret 42", startTimeUnixNano="not a number"))
    export(settings.inbox_dir / "late-2.jsonl", early, [log(NEW_TRACE, 43, start, "late secret 43")])
    assert _outcome(land(settings, settle_seconds=0), "late-2.jsonl").records_landed == 3
    export(settings.inbox_dir / "late-3.jsonl", [span(NEW_TRACE, 44, start, "late secret 44", user=raw)], [])
    assert _outcome(land(settings, settle_seconds=0), "late-3.jsonl").records_suppressed == 1
    day = datetime.fromtimestamp(start / 1e9, UTC).date().isoformat()
    window = {**DBT_VARS, "min_date": day, "max_date": day}  # the daily pipeline's build of that day
    result = run_dbt(settings, ["build"], vars=window)  # the new trace reaches the warehouse
    assert result.success, f"{result.summary} {result.failures}\n{result.output_tail}"
    assert _holders(data_dir, [NEW_TRACE], []), "the new trace is in the lake and the warehouse"

    # erasing again finds what slipped in, everywhere, and says how many rows
    [second] = json.loads(spanledger(data_dir, "erase", "--user", raw, "--json").stdout)
    removed = second["rows_removed"]
    assert {
        t: removed.get(t) for t in ("lake/spans", "lake/span_events", "lake/span_links", "lake/logs")
    } == {
        "lake/spans": 2,
        "lake/span_events": 2,
        "lake/span_links": 2,
        "lake/logs": 1,
    }
    assert removed["restricted/content"] == 4 and removed["quarantine"] == 1
    assert any(k.startswith("warehouse:") and n for k, n in removed.items())
    [third] = json.loads(spanledger(data_dir, "erase", "--user", raw, "--json").stdout)
    assert third["status"] == "done" and third["rows_removed"] == {}

    # nobody has to remember: the nightly job (here `erase --resume`) erases U again by itself once
    # landing learned a new trace of U
    export(settings.inbox_dir / "late-4.jsonl", [span(NEWER_TRACE, 50, start, "late secret 50")], [])
    export(
        settings.inbox_dir / "late-5.jsonl", [span(NEWER_TRACE, 51, start, "late secret 51", user=raw)], []
    )
    land(settings, settle_seconds=0)
    [fourth] = json.loads(spanledger(data_dir, "erase", "--resume", "--json").stdout)
    assert fourth["rows_removed"]["lake/spans"] == 1 and fourth["rows_removed"]["restricted/content"] == 2
    status = json.loads(spanledger(data_dir, "erase", "--status", "--json").stdout)
    assert [r["source"] for r in status] == ["cli", "cli", "cli", LEARNED_SOURCE]
    assert json.loads(spanledger(data_dir, "erase", "--resume", "--json").stdout) == []

    result = run_dbt(settings, ["build"], vars=window)
    assert result.success, f"{result.summary} {result.failures}\n{result.output_tail}"
    needles = [raw, NEW_TRACE, NEWER_TRACE, *sorted(traces), *texts, "late secret"]
    holders = _holders(data_dir, needles, [subject])
    assert holders == [], "\n".join(holders)
    expected = dict(others)
    for folder, added in (
        ("lake/spans", 1),
        ("lake/span_events", 1),
        ("lake/span_links", 1),
        ("lake/logs", 1),
    ):
        expected[folder] += added
    expected["restricted/content"] += 2  # someone else's late prompt and answer
    assert _others(data_dir, subject, sessions, traces) == expected
