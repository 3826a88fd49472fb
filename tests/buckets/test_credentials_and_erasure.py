"""Credentials come the standard way of each cloud and never show in output; erasure holds for records
that arrive from a bucket as for files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from orchestration.compliance.erasure import ErasureRequest, erase
from orchestration.landing import land
from tests.buckets import otlp
from tests.landing.conftest import lake_rows
from tests.landing.test_bad_input import _request, _span

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def _land(settings, uri: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "orchestration.cli", "--data-dir", str(settings.data_dir), "land", uri]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_without_aws_credentials_the_error_says_where_they_come_from(settings, s3, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata probe off this machine
        "AWS_ENDPOINT_URL_S3": s3.proxy.endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    failed = _land(settings, s3.uri("otel/"), env)
    assert failed.returncode != 0
    assert "no AWS credentials" in failed.stderr + failed.stdout and "Traceback" not in failed.stderr


def test_a_failing_bucket_names_the_bucket_not_the_secret(settings, s3):
    env = {**os.environ, "AWS_SECRET_ACCESS_KEY": SECRET}
    failed = _land(settings, "s3://no-such-bucket/otel/", env)
    assert failed.returncode != 0
    assert "bucket s3://no-such-bucket does not exist" in failed.stderr + failed.stdout
    assert SECRET not in failed.stderr + failed.stdout


def test_without_google_credentials_the_error_says_where_they_come_from(settings, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "STORAGE_EMULATOR_HOST"}
    env |= {
        "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing-key.json"),
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"),
        "NO_GCE_CHECK": "True",  # no metadata-server probe off this machine
    }
    failed = _land(settings, "gs://otel-exports/traces/", env)
    assert failed.returncode != 0
    out = failed.stderr + failed.stdout
    assert "no Google credentials to read gs://otel-exports/traces/" in out and "Traceback" not in out


def _user_request(first: int, count: int, user: str | None, trace: int) -> bytes:
    spans = []
    for i in range(first, first + count):
        span = _span(i * 2, traceId=f"{trace:032x}")
        if user:
            span["attributes"] = [*span["attributes"], {"key": "user.id", "value": {"stringValue": user}}]
        spans.append(span)
    return json.dumps(_request(*spans)).encode()


def test_erasure_holds_for_records_that_arrive_from_a_bucket(settings, bucket):
    bucket.put(otlp.s3_key("otel/", 0, "traces_a.json"), _user_request(0, 10, "ada@example.com", 7))
    bucket.put(otlp.s3_key("otel/", 1, "traces_b.json"), _user_request(100, 5, "bob@example.com", 8))
    land(settings, [bucket.uri("otel/")], workers=1)
    [result] = erase(settings, [ErasureRequest("ada@example.com")])
    assert result.status == "done" and result.rows_removed["lake/spans"] == 10

    # her later rows arrive in a new object and in a replaced one: dropped at landing, counted
    bucket.put(otlp.s3_key("otel/", 2, "traces_c.json"), _user_request(200, 4, "ada@example.com", 9))
    bucket.put(otlp.s3_key("otel/", 0, "traces_a.json"), _user_request(300, 6, "ada@example.com", 7))
    report = land(settings, [bucket.uri("otel/")], workers=1)
    assert report.records_suppressed == 10 and report.records_landed == 0
    assert report.records_in == report.records_landed + report.records_quarantined + report.records_suppressed
    assert lake_rows(settings, "spans", "count(*), count(distinct user_hash)") == [(5, 1)]  # Bob's only
