"""Google Cloud Storage through google-cloud-storage: Application Default Credentials (a service
account key named by GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, workload
identity), or STORAGE_EMULATOR_HOST for a local emulator. Each request is retried by the client's own
policy (429, 5xx, connection resets, with exponential backoff); a download that still fails is tried
again as a whole."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, BinaryIO

import requests
from google.api_core import exceptions as api_errors
from google.auth import exceptions as auth_errors
from google.cloud import storage
from google.cloud.storage.exceptions import DataCorruption
from google.cloud.storage.retry import DEFAULT_RETRY

from orchestration.landing.buckets.stores import ObjectChanged, ObjectGone, ObjectInfo, Transient, retrying
from orchestration.landing.buckets.uri import BucketInput
from orchestration.landing.report import LandingError

RETRY = DEFAULT_RETRY.with_timeout(300.0)
REPLACED_ATTEMPTS = 3  # an object replaced this often while it is copied lands at the next run
_TRANSIENT = (
    api_errors.TooManyRequests,
    api_errors.InternalServerError,
    api_errors.BadGateway,
    api_errors.ServiceUnavailable,
    api_errors.GatewayTimeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.Timeout,
    DataCorruption,  # the checksum of what arrived did not match
)


def _info(blob: Any) -> ObjectInfo:
    updated = int(blob.updated.timestamp() * 1e9) if blob.updated else 0
    return ObjectInfo(blob.name, int(blob.size or 0), str(blob.generation), updated)


class GcsStore:
    def __init__(self, source: BucketInput):
        self.source = source
        self._local = threading.local()  # a client per thread: downloads run in a few threads
        self._bucket()

    def _bucket(self) -> Any:
        bucket = getattr(self._local, "bucket", None)
        if bucket is None:
            try:
                bucket = self._local.bucket = storage.Client().bucket(self.source.bucket)
            except auth_errors.DefaultCredentialsError:
                raise LandingError(
                    f"no Google credentials to read {self.source.uri}: set GOOGLE_APPLICATION_CREDENTIALS to a "
                    "service account key file, run `gcloud auth application-default login`, or run where "
                    "workload identity provides them"
                ) from None
        return bucket

    def list(self, prefix: str, start_after: str | None) -> Iterator[ObjectInfo]:
        blobs = self._bucket().list_blobs(
            prefix=prefix or None, start_offset=start_after, retry=RETRY, page_size=1000
        )
        try:
            for blob in blobs:
                if start_after is None or blob.name > start_after:  # start_offset is inclusive
                    yield _info(blob)
        except api_errors.NotFound:
            raise LandingError(f"bucket gs://{self.source.bucket} does not exist") from None
        except (api_errors.Forbidden, api_errors.Unauthorized, auth_errors.GoogleAuthError) as err:
            raise LandingError(f"cannot list {self.source.uri}: {_message(err)}") from None
        except _TRANSIENT as err:
            raise LandingError(
                f"cannot list {self.source.uri} (gave up after retries): {_message(err)}"
            ) from None

    def download(self, listed: ObjectInfo, fh: BinaryIO) -> ObjectInfo:
        wanted = listed
        for _ in range(REPLACED_ATTEMPTS):
            try:
                if self._copy(wanted, fh) == wanted.size:
                    return wanted
            except (api_errors.NotFound, api_errors.PreconditionFailed):
                pass  # that generation is gone: replaced or deleted
            current = self._bucket().get_blob(listed.key, retry=RETRY)
            if current is None:
                raise ObjectGone(f"gs://{self.source.bucket}/{listed.key} was deleted after it was listed")
            wanted = _info(current)
        raise ObjectChanged(f"gs://{self.source.bucket}/{listed.key} was replaced while it was read")

    def _copy(self, info: ObjectInfo, fh: BinaryIO) -> int:
        """The bytes of generation `info.version` into fh (the generation is pinned: a replaced object
        fails rather than mixing two versions); how many were written."""
        blob = self._bucket().blob(info.key, generation=int(info.version))
        try:
            for attempt in retrying(lambda err: isinstance(err, _TRANSIENT)):
                with attempt:
                    fh.seek(0)
                    fh.truncate()
                    blob.download_to_file(fh, if_generation_match=int(info.version), retry=RETRY)
        except (api_errors.Forbidden, api_errors.Unauthorized, auth_errors.GoogleAuthError) as err:
            raise LandingError(f"cannot read gs://{self.source.bucket}/{info.key}: {_message(err)}") from None
        except (*_TRANSIENT, Transient) as err:
            raise LandingError(
                f"cannot read gs://{self.source.bucket}/{info.key} (gave up after retries): {_message(err)}"
            ) from None
        return fh.tell()


def _message(err: Exception) -> str:
    return getattr(err, "message", None) or str(err).splitlines()[0]
