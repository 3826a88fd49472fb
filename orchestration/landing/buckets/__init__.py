"""Landing straight from object storage: `gs://bucket/prefix` and `s3://bucket/prefix` inputs.

The objects are landed through the same machinery as local files, with the same guarantees:
1. list the input (flow.py): in full, or from a stored cursor near the newest time partition of each
   group of keys (listing.py, cursor.py, layouts.py: the collector exporters' key layouts);
2. skip objects whose version (GCS generation, S3 ETag, with the size) was settled before, without
   downloading them (state.py, a table in the manifest's database);
3. copy the others, streamed and pinned to the listed version, to a spool folder under the data
   directory in batches bounded in bytes (spool.py; gcs.py and s3.py hold the clients, their
   credentials and retries);
4. land each batch as local files whose name in the manifest is the object's URI: identity by content
   hash, duplicates, a rewritten object that extends the landed one continues it, quarantine entries
   name the object; then record each object's version.

Objects in GCS and S3 appear whole or not at all, so a copied object is final: a record it ends in the
middle of is quarantined at once rather than awaited.
"""

from orchestration.landing.buckets.uri import BucketInput, is_bucket_uri, parse_bucket_uri

__all__ = ["BucketInput", "is_bucket_uri", "parse_bucket_uri"]
