"""A lake kept in GCS (SPANLEDGER_LAKE_URI=gs://bucket/prefix): what each day holds there, read from the
bucket listing, so BigQuery load jobs read the objects in place (nothing passes through this machine)
and a day is reloaded exactly when its objects changed (a generation, a size, an object added or gone),
as a local lake's days are by their files."""

from __future__ import annotations

import hashlib

from orchestration.landing.buckets.gcs import GcsStore
from orchestration.landing.buckets.stores import ObjectInfo
from orchestration.landing.buckets.uri import is_candidate_key, parse_bucket_uri
from orchestration.warehouse.bigquery.tables import PARTITION_COLUMN


def _store_and_prefix(lake_uri: str, table: str) -> tuple[GcsStore, str]:
    source = parse_bucket_uri(f"{lake_uri.rstrip('/')}/{table}/")
    return GcsStore(source), source.prefix


def _parquet(info: ObjectInfo, prefix: str) -> bool:
    return info.key.endswith(".parquet") and is_candidate_key(info.key, prefix)


def day_objects(lake_uri: str, table: str, day: str) -> list[ObjectInfo]:
    """The Parquet objects of one table day, in key order."""
    store, prefix = _store_and_prefix(lake_uri, table)
    folder = f"{prefix}{PARTITION_COLUMN}={day}/"
    return [info for info in store.list(folder, None) if _parquet(info, folder)]


def bucket_days(lake_uri: str, table: str) -> set[str]:
    """Every event date with Parquet objects under the table (one listing of the table's keys)."""
    store, prefix = _store_and_prefix(lake_uri, table)
    days = set()
    for info in store.list(f"{prefix}{PARTITION_COLUMN}=", None):
        folder = info.key[len(prefix) :].split("/", 1)[0]
        if _parquet(info, prefix):
            days.add(folder.split("=", 1)[1])
    return days


def bucket_fingerprint(objects: list[ObjectInfo]) -> str:
    """Names, generations and sizes: a rewritten object has a new generation."""
    digest = hashlib.sha256()
    for info in objects:
        digest.update(f"{info.key}\0{info.version}\0{info.size}\n".encode())
    return "gs:" + digest.hexdigest()
