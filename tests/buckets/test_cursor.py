"""Listing from a cursor: the exporters' key layouts, the landing's incremental listings and full sweeps,
and the sensor on a bucket of 10,000 objects (a tick lists the recent partitions, not the bucket)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context, materialize

from orchestration.defs.landing.assets import lake_landing
from orchestration.defs.landing.sensors import new_otlp_files_sensor
from orchestration.defs.resources import SpanledgerResource
from orchestration.landing import land
from orchestration.landing.buckets.layouts import listing_start, time_partition
from tests.buckets import otlp
from tests.landing.conftest import lake_rows

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_exporters_key_layouts_are_read_as_time_partitions():
    s3_default = time_partition("env/prod/traces/year=2026/month=03/day=01/hour=23/minute=59/traces_Ab3.json")
    assert s3_default.group == "env/prod/traces/"
    assert s3_default.at == datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    s3_custom = time_partition(
        "metric/2026/03/01/07/05/metrics_x.binpb.gz"
    )  # s3_partition_format %Y/%m/%d/%H/%M
    assert (s3_custom.group, s3_custom.at) == ("metric/", datetime(2026, 3, 1, 7, 5, tzinfo=UTC))
    gcs = time_partition("archive/year=2026/month=10/day=25/logs_0b4c8a2e-7f0e-4bb1-9d55-d1e1ad3c2f10")
    assert (gcs.group, gcs.at) == ("archive/", datetime(2026, 10, 25, tzinfo=UTC))
    hive = time_partition("raw/dt=2026-03-01/hour=04/part-0.json")
    assert (hive.group, hive.at) == ("raw/", datetime(2026, 3, 1, 4, tzinfo=UTC))
    assert time_partition("logs_0b4c8a2e.json") is None  # the GCS exporter without a partition format
    assert time_partition("tenants/4711/export.json") is None  # a four-digit id is not a year
    assert time_partition("otel/year=2026/month=13/day=01/x.json") is None  # not a date


def test_a_listing_starts_lookback_before_the_newest_partition_in_its_layout():
    hour = timedelta(hours=2)
    key = "otel/year=2026/month=03/day=01/hour=01/minute=30/traces_x.json"
    assert listing_start(key, hour, NOW) == "otel/year=2026/month=02/day=28/hour=23/minute=30"
    assert listing_start("metric/2026/01/01/00/10/m.json", hour, NOW) == "metric/2025/12/31/22/10"
    assert (
        listing_start("archive/year=2026/month=10/day=25/logs_1", hour, NOW)
        == "archive/year=2026/month=10/day=24"
    )
    # a writer whose clock runs ahead does not hide the present: the window ends at now
    future = "otel/year=2030/month=01/day=01/hour=00/minute=00/traces_y.json"
    assert listing_start(future, hour, NOW) == "otel/year=2026/month=11/day=30/hour=22/minute=00"
    assert listing_start("flat/logs_0b4c8a2e", hour, NOW) is None


def _key(minute: int) -> str:
    return otlp.s3_key("otel/", minute, f"traces_{minute:05d}.json")


def test_landing_lists_from_its_cursor_and_a_full_sweep_finds_keys_written_late(
    settings, bucket, monkeypatch
):
    for minute in range(0, 600, 60):  # ten hours, an object an hour
        bucket.put(_key(minute), otlp.json_object(minute, 3))
    assert land(settings, [bucket.uri("otel/")], workers=1).records_landed == 30
    bucket.put(_key(600), otlp.json_object(600, 3))  # new, after the newest partition
    bucket.put(_key(500), otlp.json_object(500, 3))  # late, inside the lookback (2 h)
    bucket.put(_key(100), otlp.json_object(100, 3))  # late, hours before: outside it

    incremental = land(settings, [bucket.uri("otel/")], workers=1, listing="incremental")
    assert incremental.listings[0]["listing"] == "incremental"
    assert sorted(f.path for f in incremental.files if f.outcome == "landed") == [
        bucket.uri(_key(500)),
        bucket.uri(_key(600)),
    ]
    if bucket.scheme == "s3":  # moto honours start-after (the GCS emulator ignores startOffset)
        # from 2 h before the newest partition (09:00, minute 540): minutes 420, 480, 500, 540, 600
        assert incremental.listings[0]["keys_listed"] == 5
    monkeypatch.setenv("SPANLEDGER_BUCKET_FULL_SWEEP_MINUTES", "0")  # a full sweep is due
    swept = land(settings.from_env(settings.data_dir), [bucket.uri("otel/")], workers=1)
    assert swept.listings[0]["listing"] == "full" and swept.records_landed == 3
    assert lake_rows(settings, "spans", "count(*), count(distinct span_id)") == [(39, 39)]


def test_the_sensor_asks_once_for_new_objects_and_skips_when_they_landed(settings, bucket):
    for minute in range(3):
        bucket.put(_key(minute), otlp.json_object(minute * 10, 5))
    resource = SpanledgerResource(data_dir=str(settings.data_dir), inbox=bucket.uri("otel/"))
    context = build_sensor_context(resources={"spanledger": resource})
    asked = new_otlp_files_sensor(context)
    assert isinstance(asked, RunRequest) and asked.tags["spanledger/objects"] == "3"
    result = materialize(
        [lake_landing], resources={"spanledger": resource}, instance=DagsterInstance.ephemeral()
    )
    assert result.success
    assert lake_rows(settings, "spans") == [(15,)]
    after = new_otlp_files_sensor(
        build_sensor_context(resources={"spanledger": resource}, cursor=context.cursor)
    )
    assert isinstance(after, SkipReason)


def test_the_sensor_lists_only_recent_partitions_of_a_bucket_of_10k_objects(settings, s3):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    # Written into the server's store directly: 10,000 PUTs over HTTP take half a minute here.
    store = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for minute in range(10_000):
        store.put_object(s3.name, _key(minute), b'{"resourceSpans": []}')
    resource = SpanledgerResource(data_dir=str(settings.data_dir), inbox=s3.uri("otel/"))

    with build_sensor_context(resources={"spanledger": resource}) as first:
        asked = new_otlp_files_sensor(first)  # no cursor yet: the whole bucket, once
    assert asked.tags["spanledger/keys_listed"] == "10000" and asked.tags["spanledger/objects"] == "10000"
    assert len(s3.proxy.requests("GET", "list-type")) == 10  # pages of 1,000

    s3.proxy.log.clear()
    with build_sensor_context(resources={"spanledger": resource}, cursor=first.cursor) as second:
        again = new_otlp_files_sensor(
            second
        )  # from the cursor: the last two hours of partitions (22:39 - 2 h)
    assert again.tags["spanledger/keys_listed"] == "121"
    assert [path for _, path, _ in s3.proxy.log] == [
        f"/{s3.name}?list-type=2&prefix=otel%2F&start-after="
        "otel%2Fyear%3D2026%2Fmonth%3D03%2Fday%3D07%2Fhour%3D20%2Fminute%3D39&encoding-type=url"
    ]

    store.put_object(s3.name, _key(10_000), b'{"resourceSpans": []}')  # new
    store.put_object(s3.name, _key(9_950).replace("traces_", "late_"), b"{}")  # late, within the lookback
    store.put_object(s3.name, _key(5_000).replace("traces_", "late_"), b"{}")  # late, hours before
    with build_sensor_context(resources={"spanledger": resource}, cursor=second.cursor) as third:
        found = new_otlp_files_sensor(third)
    assert found.tags["spanledger/keys_listed"] == "123"
    assert json.loads(third.cursor)[s3.uri("otel/")] != json.loads(second.cursor)[s3.uri("otel/")]
    assert found.run_key != again.run_key  # a new set of objects: a new run
