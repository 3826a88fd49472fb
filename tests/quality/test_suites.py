"""Each suite passes on generated data and fails on a planted defect, saying where and why."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.quality.checks import check_lake_partition
from orchestration.quality.mart_suites import mart_suite
from orchestration.quality.runner import validate
from tests.quality.conftest import DAYS, FIRST_DAY, last_day, rewrite_partition


def _failed(result) -> dict[tuple[str, str | None], object]:
    return {(o.expectation, o.column): o for o in result.failed}


def test_generated_data_passes_every_suite(clean_lake):
    from datetime import timedelta

    days = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(DAYS)]
    results = [
        check_lake_partition(clean_lake, table, day)
        for table in ("spans", "logs", "metric_points")
        for day in days[3:]
    ]
    results += [check_lake_partition(clean_lake, table, days[0]) for table in ("span_events", "span_links")]
    for result in results:
        assert result.status == "pass", (result.target, result.reasons())
        assert result.rows > 0
    volume = [o for o in results[0].outcomes if o.expectation == "expect_table_row_count_to_be_between"]
    assert volume and volume[0].success  # day 4 has three earlier days: volume is checked
    assert len(results[0].outcomes) >= 30


def _with_column(table: pa.Table, name: str, values) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(
        index, table.schema.field(index), pa.array(values, table.schema.field(index).type)
    )


def test_wrong_id_length_blocks(lake):
    day = last_day()

    def shorten(t: pa.Table) -> pa.Table:
        ids = t["span_id"].to_pylist()
        return _with_column(t, "span_id", [s[:15] if i % 10 == 0 else s for i, s in enumerate(ids)])

    rewrite_partition(lake, "spans", day, shorten)
    result = check_lake_partition(lake, "spans", day)
    assert result.blocks and result.status == "error"
    failed = _failed(result)
    length = failed[("expect_column_value_lengths_to_equal", "span_id")]
    assert length.severity == "error" and length.unexpected_count > 0
    assert any(len(e) == 15 for e in length.examples)
    assert ("expect_column_values_to_match_regex", "span_id") in failed
    assert "span_id" in " ".join(result.reasons())


def test_negative_tokens_block(lake):
    day = last_day()

    def negate(t: pa.Table) -> pa.Table:
        tokens = t["input_tokens"].to_pylist()
        first = next(i for i, v in enumerate(tokens) if v)
        tokens[first] = -tokens[first]
        return _with_column(t, "input_tokens", tokens)

    rewrite_partition(lake, "spans", day, negate)
    result = check_lake_partition(lake, "spans", day)
    assert result.blocks
    outcome = _failed(result)[("expect_column_values_to_be_between", "input_tokens")]
    assert outcome.unexpected_count == 1 and outcome.examples[0].startswith("-")


def test_half_volume_is_flagged(lake):
    day = last_day()
    kept = rewrite_partition(lake, "spans", day, lambda t: t.slice(0, t.num_rows // 2))
    result = check_lake_partition(lake, "spans", day)
    assert result.status == "warn" and not result.blocks  # flagged, does not block the build
    outcome = _failed(result)[("expect_table_row_count_to_be_between", None)]
    assert f"observed {kept}" == outcome.observed
    assert "trailing" in outcome.why


def test_unknown_provider_spike_is_flagged(lake):
    day = last_day()

    def spike(t: pa.Table) -> pa.Table:
        providers = t["gen_ai_provider"].to_pylist()
        llm = [i for i, p in enumerate(providers) if p]
        for i in llm[: len(llm) // 4]:
            providers[i] = "mystery-llm-cloud"
        return _with_column(t, "gen_ai_provider", providers)

    rewrite_partition(lake, "spans", day, spike)
    result = check_lake_partition(lake, "spans", day)
    outcome = _failed(result)[("expect_column_values_to_be_in_set", "gen_ai_provider")]
    assert outcome.severity == "warn" and "mystery-llm-cloud" in outcome.examples
    assert outcome.unexpected_percent > 20


def test_span_outside_its_partition_and_ending_before_it_starts_block(lake):
    day = last_day()

    def backwards(t: pa.Table) -> pa.Table:
        start = t["start_at"].to_pylist()
        end = t["end_at"].to_pylist()
        end[0], start[1] = (
            start[0] - (end[0] - start[0]) - pa.scalar(1, pa.duration("s")).as_py(),
            start[1].replace(year=2024),
        )
        t = _with_column(t, "end_at", end)
        return _with_column(t, "start_at", start)

    rewrite_partition(lake, "spans", day, backwards)
    failed = _failed(check_lake_partition(lake, "spans", day))
    assert ("expect_column_pair_values_a_to_be_greater_than_b", "end_at vs start_at") in failed
    assert failed[("expect_column_values_to_be_between", "start_at")].unexpected_count == 1


def test_schema_drift_is_reported_with_the_file(lake):
    day = last_day()
    rewrite_partition(lake, "logs", day, lambda t: t)  # same data …
    path = next((lake.table_dir("logs") / f"date={day}").glob("*.parquet"))
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(
        table.set_column(
            table.schema.get_field_index("severity_number"),
            "severity_number",
            pc.cast(table["severity_number"], pa.string()),
        ),
        path,
    )  # … wrong type
    result = check_lake_partition(lake, "logs", day)
    outcome = _failed(result)[("arrow_schema_matches_lake_schema", None)]
    assert str(path) in outcome.observed and "severity_number is string" in outcome.observed
    assert result.blocks


def test_unpriced_share_over_threshold_is_flagged():
    import pandas as pd

    calls = 200
    frame = pd.DataFrame(
        {
            "llm_call_id": [f"c{i}" for i in range(calls)],
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "total_tokens": 15,
            "cost_usd": 0.001,
            "latency_ms": 100.0,
            "started_at": pd.Timestamp("2025-03-01", tz="UTC"),
            "ended_at": pd.Timestamp("2025-03-01 00:00:01", tz="UTC"),
            "cost_source": ["unpriced" if i % 5 == 0 else "calculated" for i in range(calls)],
            "is_unpriced": [i % 5 == 0 for i in range(calls)],
            "model": "gpt-4o",
            "provider_name": "openai",
        }
    )
    result = validate(frame, mart_suite("intermediate.int_llm_calls_priced"), "int_llm_calls_priced")
    outcome = _failed(result)[("expect_column_values_to_be_in_set", "is_unpriced")]
    assert outcome.unexpected_percent == 20.0 and result.status == "warn"
    frame["is_unpriced"] = [i % 50 == 0 for i in range(calls)]  # 2 %: under the 5 % threshold
    assert validate(frame, mart_suite("intermediate.int_llm_calls_priced"), "int_llm_calls_priced").success
