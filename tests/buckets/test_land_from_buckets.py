"""`spanledger land gs://…` and `s3://…` against real local servers: the exporters' key layouts, exactly
once by object version and content, replaced, vanished and cut objects, transient errors."""

from __future__ import annotations

import json

from orchestration.landing import land
from orchestration.landing.buckets.state import ObjectState
from orchestration.manifest import Manifest
from tests.buckets import otlp
from tests.landing.conftest import lake_rows, quarantine_rows
from tests.landing.test_bad_input import _request, _span

SPANS = "count(*), count(distinct (trace_id, span_id))"


def _objects(settings) -> dict[str, dict]:
    manifest = Manifest(settings.manifest_path)
    try:
        return {row["uri"]: row for row in ObjectState(manifest.db).objects()}
    finally:
        manifest.close()


def _downloads(bucket) -> list:
    """Object bodies fetched through the proxy (listings and metadata excluded)."""
    if bucket.scheme == "s3":
        return [r for r in bucket.proxy.requests("GET") if "list-type" not in r[1]]
    return bucket.proxy.requests("GET", "alt=media")


def _put_minutes(bucket, minutes: int) -> list[str]:
    """An object of 10 spans in each of the first `minutes` minute partitions; their keys."""
    keys = [otlp.s3_key("otel/", m, f"traces_{m}.json") for m in range(minutes)]
    for m, key in enumerate(keys):
        bucket.put(key, otlp.json_object(m * 100, 10))
    return keys


def test_the_exporters_key_layouts_land_once_and_a_second_landing_downloads_nothing(settings, bucket):
    # awss3exporter (default partition format): otlp_json, gzip-compressed json, otlp_proto
    bucket.put(otlp.s3_key("otel/traces/", 0, "traces_Ab3dE5gH7.json"), otlp.json_object(0, 40))
    bucket.put(otlp.s3_key("otel/traces/", 1, "traces_Zy9xW8vU7.json.gz"), otlp.gzip_object(40, 30))
    bucket.put(otlp.s3_key("otel/traces/", 2, "traces_Qw1eR2tY3.binpb"), otlp.proto_object(70, 20))
    # googlecloudstorageexporter: partition.prefix + year=%Y/month=%m/day=%d, file_prefix_UUID, no suffix
    bucket.put(
        "otel/archive/year=2026/month=03/day=01/logs_0b4c8a2e-7f0e-4bb1-9d55-d1e1ad3c2f10",
        otlp.json_object(90, 10),
    )
    # never landed: a temporary upload, a hidden object, a `_temporary/` folder, a folder placeholder
    bucket.put("otel/traces/year=2026/month=03/day=01/hour=00/minute=03/traces_x.json.tmp", b"{")
    bucket.put("otel/traces/.hidden.json", otlp.json_object(500, 5))
    bucket.put("otel/_temporary/0/part-0000.json", otlp.json_object(600, 5))
    bucket.put("otel/archive/", b"")

    first = land(settings, [bucket.uri("otel/")], workers=1)
    assert first.records_landed == 100 and first.count("landed") == 4, [f.__dict__ for f in first.files]
    assert lake_rows(settings, "spans", SPANS) == [(100, 100)]
    objects = _objects(settings)
    assert sorted(objects) == sorted(f.path for f in first.files)
    assert all(uri.startswith(bucket.uri("otel/")) for uri in objects)
    assert {row["outcome"] for row in objects.values()} == {"landed"}
    downloads = len(_downloads(bucket))
    assert downloads >= 4

    second = land(settings, [bucket.uri("otel/")], workers=1)
    assert second.count("unchanged") == 4 and second.records_landed == 0
    assert len(_downloads(bucket)) == downloads  # listed, recognised by version: not downloaded
    assert lake_rows(settings, "spans", SPANS) == [(100, 100)]
    assert second.listings[0]["objects_new"] == 0


def test_a_replaced_object_is_a_new_object_and_lands_its_records_once(settings, bucket):
    key = otlp.s3_key("otel/", 0, "traces_a.json")
    bucket.put(key, otlp.json_object(0, 50))
    land(settings, [bucket.uri("otel/")], workers=1)
    bucket.put(key, otlp.json_object(50, 30))  # the same key, other bytes: a new generation / ETag
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.count("landed") == 1 and report.records_landed == 30
    assert land(settings, [bucket.uri("otel/")], workers=1).records_landed == 0
    assert lake_rows(settings, "spans", SPANS) == [(80, 80)]
    # the same bytes uploaded again land nothing: on S3 the ETag (their MD5) is the same, so the object
    # is unchanged; on GCS a new generation is downloaded and found a duplicate by its content hash
    bucket.put(key, otlp.json_object(50, 30))
    again = land(settings, [bucket.uri("otel/")], workers=1)
    assert again.count("unchanged" if bucket.scheme == "s3" else "duplicate") == 1
    assert again.records_landed == 0


def test_an_object_rewritten_longer_continues_where_it_stopped(settings, bucket):
    key = "otel/stream/traces.jsonl"
    bucket.put(key, otlp.json_lines(0, 60))
    land(settings, [bucket.uri("otel/")], workers=1)
    bucket.put(key, otlp.json_lines(0, 60) + otlp.json_lines(60, 40))  # rewritten with more lines
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.count("appended") == 1 and report.records_landed == 40
    assert lake_rows(settings, "spans", SPANS) == [(100, 100)]


def test_an_object_replaced_while_it_is_listed_lands_one_version_once(settings, bucket):
    keys = _put_minutes(bucket, 3)
    # a writer replaces the middle object while the listing is being answered (more spans: a new size)
    bucket.proxy.add("GET", "", after=lambda: bucket.put(keys[1], otlp.json_object(100, 25)))
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.records_landed == 45, [f.__dict__ for f in report.files]
    assert lake_rows(settings, "spans", SPANS) == [(45, 45)]  # the new version, never a mix
    assert land(settings, [bucket.uri("otel/")], workers=1).records_landed == 0
    assert lake_rows(settings, "spans", SPANS) == [(45, 45)]
    assert _objects(settings)[bucket.uri(keys[1])]["version"] == bucket.version(keys[1])


def test_an_object_still_being_uploaded_is_not_landed_until_its_upload_completes(settings, bucket):
    key = otlp.s3_key("otel/", 0, "traces_big.json")
    complete = bucket.start_upload(key, otlp.json_object(0, 40))
    bucket.put(otlp.s3_key("otel/", 1, "traces_small.json"), otlp.json_object(100, 5))
    during = land(settings, [bucket.uri("otel/")], workers=1)
    assert [f.path for f in during.files] == [bucket.uri(otlp.s3_key("otel/", 1, "traces_small.json"))]
    assert (during.records_landed, during.records_quarantined, during.units_unreadable) == (5, 0, 0)
    complete()
    after = land(settings, [bucket.uri("otel/")], workers=1)
    assert after.count("landed") == 1 and after.records_landed == 40
    assert lake_rows(settings, "spans", SPANS) == [(45, 45)]


def test_an_object_deleted_after_it_was_listed_is_skipped_not_fatal(settings, bucket):
    keys = _put_minutes(bucket, 3)
    bucket.proxy.add("GET", "", after=lambda: bucket.delete(keys[0]))
    report = land(settings, [bucket.uri("otel/")], workers=1)
    gone = [f for f in report.files if f.path == bucket.uri(keys[0])]
    assert [f.outcome for f in gone] == ["settling"] and "deleted" in gone[0].detail
    assert report.records_landed == 20
    assert land(settings, [bucket.uri("otel/")], workers=1).records_landed == 0


def test_transient_503s_are_retried_with_backoff(settings, bucket):
    _put_minutes(bucket, 2)
    listing = "list-type" if bucket.scheme == "s3" else f"/b/{bucket.name}/o?"
    body = "/traces_1.json" if bucket.scheme == "s3" else "alt=media"
    bucket.proxy.add("GET", listing, status=503)
    bucket.proxy.add("GET", body, status=503)
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.records_landed == 20
    assert [status for *_, status in bucket.proxy.log].count(503) == 2


def test_a_body_cut_off_mid_way_is_fetched_again(settings, bucket):
    key = otlp.s3_key("otel/", 0, "traces_big.json")
    bucket.put(key, otlp.json_object(0, 300))
    body = "/traces_big.json" if bucket.scheme == "s3" else "alt=media"
    bucket.proxy.add("GET", body, cut_after=20_000)
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.records_landed == 300 and report.records_quarantined == 0
    assert lake_rows(settings, "spans", SPANS) == [(300, 300)]


def test_quarantine_names_the_object_and_every_record_is_counted(settings, bucket):
    good = json.dumps(otlp.request(0, 5)).encode()
    bad_span = json.dumps(_request(_span(10), _span(11, spanId="zz" * 8))).encode()  # not hex
    bucket.put("otel/bad/traces.jsonl", good + b"\n{not json\n" + bad_span + b"\n")
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.records_landed == 6 and report.records_quarantined == 1 and report.units_unreadable == 1
    assert report.records_in == report.records_landed + report.records_quarantined
    assert {row["source_path"] for row in quarantine_rows(settings)} == {bucket.uri("otel/bad/traces.jsonl")}
