"""A lake kept in GCS: BigQuery load jobs read the day's gs:// objects in place, and a day is reloaded
exactly when its objects change. Two local servers share one folder: gcp-storage-emulator (what the
listing and the uploads talk to) writes objects where the BigQuery emulator reads gs:// URIs from."""

from __future__ import annotations

from dataclasses import replace

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from orchestration.warehouse.bigquery.loader import DayLoader, days_to_load, lake_days
from tests.buckets.conftest import free_port

BUCKET = "lake-bucket"
LAKE_URI = f"gs://{BUCKET}/otel/lake"


@pytest.fixture(scope="module")
def gcs(emulator, tmp_path_factory):
    """gcp-storage-emulator storing objects at <BigQuery emulator's gcs root>/<bucket>/<key>."""
    from gcp_storage_emulator.server import create_server
    from gcp_storage_emulator.settings import STORAGE_DIR
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    data_dir = tmp_path_factory.mktemp("gcs-data")
    (data_dir / STORAGE_DIR).symlink_to(emulator.gcs_root, target_is_directory=True)
    port = free_port()
    server = create_server("127.0.0.1", port, data_dir=str(data_dir))
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = storage.Client(
        project="test", credentials=AnonymousCredentials(), client_options={"api_endpoint": endpoint}
    )
    client.create_bucket(BUCKET)
    yield endpoint, client.bucket(BUCKET)
    server.stop()


def _upload_day(bucket, landed, table: str, day: str, suffix: str = "") -> list[str]:
    keys = []
    for path in sorted((landed.table_dir(table) / f"date={day}").glob("*.parquet")):
        key = f"otel/lake/{table}/date={day}/{path.stem}{suffix}.parquet"
        bucket.blob(key).upload_from_filename(str(path))
        keys.append(key)
    return keys


def _lake_rows(landed, table: str, day: str) -> int:
    lake = ds.dataset(landed.table_dir(table), format="parquet", partitioning="hive").to_table()
    return pc.sum(pc.equal(pc.cast(lake["date"], "string"), day)).as_py()


def test_a_lake_in_gcs_is_loaded_in_place_and_reloaded_when_its_objects_change(
    gcs, bq_client, bq_config, landed, monkeypatch
):
    endpoint, bucket = gcs
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", endpoint)
    config = replace(bq_config, lake_dataset="lake_from_gcs", lake_uri=LAKE_URI)
    first, second = lake_days(landed)[:2]
    _upload_day(bucket, landed, "logs", first)
    loader = DayLoader(bq_client, config, landed)

    # a day never loaded is found from the bucket listing, not from the local lake
    assert days_to_load(landed, config, tables=["logs"]) == {"logs": [first]}
    loaded = loader.load_day("logs", first)
    assert loaded.rows == _lake_rows(landed, "logs", first) > 0
    assert all(uri.startswith(f"gs://{BUCKET}/otel/lake/logs/date={first}/") for uri in loaded.source_uris)
    # the job BigQuery ran read the bucket: its source URIs and hive partitioning, as BigQuery recorded them
    [load_job_id] = loaded.job_ids[:1]
    job = bq_client.get_job(load_job_id)
    assert job.source_uris == [f"{LAKE_URI}/logs/date={first}/*.parquet"]
    hive = job.to_api_repr()["configuration"]["load"]["hivePartitioningOptions"]
    assert hive == {"mode": "CUSTOM", "sourceUriPrefix": f"{LAKE_URI}/logs/{{date:DATE}}"}

    assert loader.load_day("logs", first).skipped  # same objects, same generations
    assert days_to_load(landed, config, tables=["logs"]) == {"logs": []}

    # a late day arrives in the bucket, and a day's object is rewritten (a new generation)
    _upload_day(bucket, landed, "logs", second)
    _upload_day(bucket, landed, "logs", first)
    assert days_to_load(landed, config, tables=["logs"]) == {"logs": sorted([first, second])}
    for load in loader.load_changed():
        assert load.rows == _lake_rows(landed, load.table, load.day)
    rows = next(iter(bq_client.query(f"select count(*) from `{config.table_id('logs')}`").result()))[0]
    assert rows == _lake_rows(landed, "logs", first) + _lake_rows(landed, "logs", second)
