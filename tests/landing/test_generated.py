"""Generator → land: the lake holds exactly what the generator says it wrote, in every input format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.settings import Settings
from tests.landing.conftest import lake_rows

START = date(2026, 3, 1)


def _generate(out_dir: Path, formats=("jsonl",), days=2, requests=120):
    return generate(
        GeneratorConfig(
            out_dir=out_dir,
            days=days,
            start_date=START,
            tenants=4,
            requests_per_day=requests,
            seed=11,
            formats=formats,
        )
    )


def test_counts_tokens_and_cost_equal_what_was_generated(settings, inbox):
    summary = _generate(inbox)
    report = land(settings, settle_seconds=0)
    assert report.records_quarantined == 0, report.quarantine_examples
    assert report.rows["spans"] == summary.spans
    assert report.rows["span_events"] == summary.span_events
    assert report.rows["span_links"] == summary.span_links
    assert report.rows["logs"] == summary.log_records
    assert report.rows["metric_points"] == summary.metric_points
    [(calls, inp, out, cache_read, cache_write, reasoning, cost)] = lake_rows(
        settings,
        "spans",
        "count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), "
        "sum(cache_write_tokens), sum(reasoning_tokens), sum(reported_cost_usd)"
        " from read_parquet('{}', hive_partitioning=true) where span_type = 'llm'"
        # one span a call: not the provider SDK's own span beside the app's, nor the Vercel AI SDK's
        # outer spans that sum their steps (the warehouse merges and skips them: tests/conventions)
        " and scope_name not in ('com.anthropic.sdk.python')"
        " and coalesce(json_extract_string(attributes, '$.\"ai.operationId\"'), '.do') like '%.do%' --".format(
            settings.lake_dir / "spans" / "*" / "*.parquet"
        ),
    )
    assert calls == summary.llm_calls
    assert (inp, out, cache_read, cache_write, reasoning) == (
        summary.input_tokens,
        summary.output_tokens,
        summary.cache_read_tokens,
        summary.cache_write_tokens,
        summary.reasoning_tokens,
    )
    assert Decimal(cost) == Decimal(summary.reported_cost_usd)
    # Tenant set on the root span reaches every span of the trace.
    assert lake_rows(settings, "spans", "count(*) filter (where tenant_id is null)") == [(0,)]
    tenants = {t for (t,) in lake_rows(settings, "spans", "distinct tenant_id")}
    assert tenants == set(summary.tenants)


def test_lake_files_are_zstd_with_dictionaries_and_statistics_where_they_pay(settings, inbox):
    """Dictionary pages for repeating values, none for ids, times and JSON; min/max statistics for times
    and numbers (row group pruning), none for strings (see lake/schema.py)."""
    _generate(inbox, days=1)
    land(settings, settle_seconds=0)
    [path] = list(settings.lake_dir.glob("spans/date=2*/*.parquet"))
    group = pq.ParquetFile(path).metadata.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert {c.compression for c in columns.values()} == {"ZSTD"}
    dictionary = {
        name
        for name, c in columns.items()
        if "RLE_DICTIONARY" in c.encodings or "PLAIN_DICTIONARY" in c.encodings
    }
    assert {"tenant_id", "service_name", "request_model", "resource_attributes"} <= dictionary
    assert not dictionary & {"span_id", "trace_id", "attributes", "start_at", "source_offset"}
    with_statistics = {name for name, c in columns.items() if c.is_stats_set}
    assert {
        "start_at",
        "end_at",
        "start_time_unix_nano",
        "input_tokens",
        "reported_cost_usd",
    } <= with_statistics
    assert not with_statistics & {"trace_id", "tenant_id", "attributes", "resource_attributes"}
    start = columns["start_at"].statistics
    assert start.has_min_max and start.min <= start.max


def _spans_without_lineage(settings: Settings) -> list[tuple]:
    pattern = settings.lake_dir / "spans" / "*" / "*.parquet"
    with duckdb.connect() as con:
        return con.execute(
            f"select * exclude (source_file_id, source_offset) from read_parquet('{pattern}', hive_partitioning=true)"
            " order by trace_id, span_id"
        ).fetchall()


FORMATS = ["jsonl.gz", "jsonl.zst", "json", "proto-framed", "proto-framed-zstd", "proto"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_lands_identical_rows(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    results = {}
    for variant in ("jsonl", fmt):
        settings = Settings.from_env(tmp_path / variant)
        _generate(settings.inbox_dir, formats=(variant,), days=1, requests=60)
        report = land(settings, settle_seconds=0)
        assert report.records_quarantined == 0, report.quarantine_examples
        shapes = {f.format for f in report.files}
        results[variant] = (_spans_without_lineage(settings), report.rows)
        if variant != "jsonl":
            assert shapes == {fmt}, shapes
    assert results["jsonl"][1] == results[fmt][1]
    assert results["jsonl"][0] == results[fmt][0]


def _all_lake_text(root: Path) -> str:
    """Every value of every Parquet file as text, plus the raw bytes: compression must not hide a leak."""
    chunks = []
    for path in sorted(root.rglob("*.parquet")):
        chunks.append(path.read_bytes().decode("latin-1"))
        chunks.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
    return "\n".join(chunks)


def test_no_raw_user_id_or_prompt_text_lands(settings, inbox):
    summary = _generate(inbox, days=1, requests=80)
    land(settings, settle_seconds=0)
    text = _all_lake_text(settings.lake_dir)
    assert summary.user_ids and summary.prompt_texts
    leaked_ids = [u for u in summary.user_ids if u in text]
    leaked_prompts = [p for p in summary.prompt_texts if len(p) > 12 and p in text]
    assert not leaked_ids, leaked_ids[:3]
    assert not leaked_prompts, leaked_prompts[:3]
    assert lake_rows(settings, "spans", "count(*) filter (where user_hash is not null)")[0][0] > 0
    assert not settings.restricted_dir.exists()


def test_content_capture_goes_only_to_the_restricted_table(tmp_path, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_STORE_CONTENT", "1")
    settings = Settings.from_env(tmp_path / "data")
    summary = _generate(settings.inbox_dir, days=1, requests=40)
    land(settings, settle_seconds=0)
    assert not [p for p in summary.prompt_texts if len(p) > 12 and p in _all_lake_text(settings.lake_dir)]
    restricted = _all_lake_text(settings.restricted_dir)
    assert any(p in restricted for p in summary.prompt_texts)
    with duckdb.connect() as con:
        [(bad,)] = con.execute(
            f"select count(*) from read_parquet('{settings.restricted_dir}/*/*.parquet') "
            "where expires_at <> event_at + interval 7 day"
        ).fetchall()
    assert bad == 0


def test_content_expires_from_landing_not_from_a_client_clock_years_ahead(tmp_path, monkeypatch):
    from tests.landing.test_bad_input import _request, _span

    monkeypatch.setenv("SPANLEDGER_STORE_CONTENT", "1")
    settings = Settings.from_env(tmp_path / "data")
    settings.inbox_dir.mkdir(parents=True)
    in_2030 = 1_900_000_000_000_000_000  # 2030-03-17
    prompt = {"key": "gen_ai.prompt", "value": {"stringValue": "a prompt from a clock years ahead"}}
    span = _span(1, startTimeUnixNano=str(in_2030), endTimeUnixNano=str(in_2030 + 10**6), attributes=[prompt])
    (settings.inbox_dir / "future.json").write_text(json.dumps(_request(span)))
    before = datetime.now(UTC)
    land(settings, settle_seconds=0)
    with duckdb.connect() as con:
        [(expires,)] = con.execute(
            f"select expires_at from read_parquet('{settings.restricted_dir}/*/*.parquet')"
        ).fetchall()
    assert (
        before + timedelta(days=7) - timedelta(minutes=5)
        < expires
        < datetime.now(UTC) + timedelta(days=7, minutes=5)
    )
