"""Which client a bucket gets. Apart from stores.py (what every client is), which the clients import:
the cloud SDKs are imported only for the scheme at hand."""

from __future__ import annotations

from orchestration.landing.buckets.stores import ObjectStore
from orchestration.landing.buckets.uri import BucketInput


def open_store(source: BucketInput) -> ObjectStore:
    """The bucket's client, with the cloud's usual credentials (never read from our settings)."""
    if source.scheme == "gs":
        from orchestration.landing.buckets.gcs import GcsStore

        return GcsStore(source)
    from orchestration.landing.buckets.s3 import S3Store

    return S3Store(source)
