"""The user's story on a local BigQuery emulator with the real google-cloud-bigquery client:
land → create dataset and tables → load a day → load it again → query a mart → erase a subject."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pyarrow.dataset as ds
import pytest
from google.cloud import bigquery

from orchestration.warehouse.bigquery.erasure import erase_subject
from orchestration.warehouse.bigquery.loader import DayLoader, lake_days
from orchestration.warehouse.bigquery.manifest import LoadManifest, manifest_path
from orchestration.warehouse.bigquery.retention_classes import lake_table_expiration_days
from orchestration.warehouse.bigquery.tables import ensure_lake


def _lake(settings, table):
    return ds.dataset(settings.table_dir(table), format="parquet", partitioning="hive").to_table()


def _count(client, sql, **params) -> int:
    job_config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter(k, "STRING", v) for k, v in params.items()]
    )
    return next(iter(client.query(sql, job_config=job_config).result()))[0]


@pytest.fixture(scope="module")
def loaded(bq_client, bq_config, landed):
    ensure_lake(bq_client, bq_config)
    loader = DayLoader(bq_client, bq_config, landed)
    loads = loader.load_days(lake_days(landed))
    return loader, loads


def test_tables_are_partitioned_by_day_clustered_by_tenant_with_expiration(bq_client, bq_config, loaded):
    for table in ("spans", "logs", "metric_points"):
        got = bq_client.get_table(bq_config.table_id(table))
        assert got.time_partitioning.field == "date"
        assert got.time_partitioning.type_ == "DAY"
        assert got.time_partitioning.expiration_ms == lake_table_expiration_days(table) * 86_400_000
        assert got.clustering_fields == ["tenant_id"]


def test_every_landed_row_is_loaded_once(bq_client, bq_config, landed, loaded):
    for table in ("spans", "span_events", "logs", "metric_points"):
        lake = _lake(landed, table)
        got = _count(bq_client, f"select count(*) from `{bq_config.table_id(table)}`")
        assert got == lake.num_rows, table
    # the manifest holds one successful load per table and day
    with LoadManifest(manifest_path(landed.state_dir)) as manifest:
        records = manifest.loads()
    assert {(r.table_name, r.day) for r in records} == {(load.table, load.day) for load in loaded[1]}
    assert all(r.strategy == "merge" and r.job_ids for r in records)


def test_loading_a_day_again_replaces_it(bq_client, bq_config, landed, loaded):
    loader, _ = loaded
    day = lake_days(landed)[0]
    table_id = bq_config.table_id("spans")
    before = _count(bq_client, f"select count(*) from `{table_id}`")
    unchanged = loader.load_day("spans", day)
    assert unchanged.skipped  # same files: nothing to do
    forced = loader.load_day("spans", day, force=True)
    assert not forced.skipped and forced.rows > 0
    assert _count(bq_client, f"select count(*) from `{table_id}`") == before
    dupes = _count(
        bq_client,
        f"select count(*) from (select span_id from `{table_id}` "
        "group by trace_id, span_id having count(*) > 1)",
    )
    assert dupes == 0


def test_a_day_whose_files_went_away_becomes_empty(bq_client, bq_config, landed, loaded, tmp_path):
    loader, _ = loaded
    day = lake_days(landed)[-1]
    folder = landed.table_dir("span_links") / f"date={day}"
    moved = tmp_path / "moved"
    shutil.move(folder, moved)
    try:
        assert loader.load_day("span_links", day).rows == 0
        assert (
            _count(
                bq_client, f"select count(*) from `{bq_config.table_id('span_links')}` where date = '{day}'"
            )
            == 0
        )
    finally:
        shutil.move(moved, folder)
        loader.load_day("span_links", day)
    assert (
        _count(bq_client, f"select count(*) from `{bq_config.table_id('span_links')}` where date = '{day}'")
        > 0
    )


def test_a_mart_like_aggregate_matches_the_lake(bq_client, bq_config, landed, loaded):
    sql = f"""
        select tenant_id, date, count(*) as llm_calls, sum(input_tokens) as input_tokens,
               sum(reported_cost_usd) as reported_cost_usd,
               approx_quantiles(duration_ms, 100)[offset(50)] as p50_ms
        from `{bq_config.table_id("spans")}`
        where span_type = 'llm' and json_value(attributes, '$."gen_ai.operation.name"') is not null
        group by tenant_id, date
        qualify row_number() over (partition by tenant_id order by date) >= 1
        order by tenant_id, date"""
    rows = bq_client.query(sql).result().to_arrow(create_bqstorage_client=False).to_pylist()
    spans = _lake(landed, "spans").to_pandas()
    import json

    llm = spans[
        (spans.span_type == "llm")
        & spans.attributes.map(lambda a: "gen_ai.operation.name" in json.loads(a or "{}"))
    ]
    assert len(llm) > 0
    expected = llm.groupby(["tenant_id", llm["date"].astype(str)]).agg(
        llm_calls=("span_id", "size"), input_tokens=("input_tokens", "sum")
    )
    assert len(rows) == len(expected)
    for row in rows:
        want = expected.loc[(row["tenant_id"], str(row["date"]))]
        assert row["llm_calls"] == want.llm_calls
        assert row["input_tokens"] == want.input_tokens
        assert row["reported_cost_usd"] is None or isinstance(row["reported_cost_usd"], Decimal)


def test_erasing_a_subject_removes_every_row_and_dates_the_real_deletion(
    bq_client, bq_config, landed, loaded
):
    subject = _count(
        bq_client,
        f"select user_hash from `{bq_config.table_id('spans')}` "
        "where user_hash is not null group by 1 order by count(*) desc limit 1",
    )
    tables = ["spans", "logs", "metric_points", "span_events"]
    held = {
        t: _count(
            bq_client, f"select count(*) from `{bq_config.table_id(t)}` where user_hash = @s", s=subject
        )
        for t in tables
    }
    others = _count(
        bq_client,
        f"select count(*) from `{bq_config.table_id('spans')}` where user_hash != @s or user_hash is null",
        s=subject,
    )
    assert held["spans"] > 0

    result = erase_subject(bq_client, bq_config, subject, datasets=[bq_config.lake_dataset])

    for t in tables:
        assert result.rows_by_table[bq_config.table_id(t)] == held[t]
        assert (
            _count(
                bq_client, f"select count(*) from `{bq_config.table_id(t)}` where user_hash = @s", s=subject
            )
            == 0
        )
    assert _count(bq_client, f"select count(*) from `{bq_config.table_id('spans')}`") == others
    # deleted rows stay in time travel (7 days) and fail-safe (7 days): gone for good 14 days later
    assert (result.physically_gone_at - result.deleted_at).days == 14
