"""Amazon S3 (and S3-compatible stores) through boto3: the default credential chain (AWS_PROFILE and
~/.aws, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, web identity, instance and container roles), and
AWS_ENDPOINT_URL_S3 for another endpoint. Each request is retried by botocore's standard mode (5xx,
429 and SlowDown throttling, connection errors, with exponential backoff); a body that breaks off is
fetched again from where it stopped, pinned to the listed ETag."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import boto3
from botocore import exceptions as aws_errors
from botocore.config import Config
from urllib3.exceptions import HTTPError as Urllib3Error

from orchestration.landing.buckets.stores import ObjectChanged, ObjectGone, ObjectInfo, Transient, retrying
from orchestration.landing.buckets.uri import BucketInput
from orchestration.landing.report import LandingError

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=10,
    read_timeout=60,
    max_pool_connections=16,
)
REPLACED_ATTEMPTS = 3
CHUNK_BYTES = 1 << 20
_TRANSIENT = (
    aws_errors.ResponseStreamingError,
    aws_errors.IncompleteReadError,
    aws_errors.ConnectionError,  # includes endpoint, read-timeout and connection-closed errors
    Urllib3Error,
)
_REPLACED = ("PreconditionFailed", "NoSuchKey", "412", "404")


def _info(key: str, size: int, etag: str, modified: Any) -> ObjectInfo:
    return ObjectInfo(key, int(size), etag.strip('"'), int(modified.timestamp() * 1e9) if modified else 0)


def _code(err: aws_errors.ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _status(err: aws_errors.ClientError) -> int:
    return int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


class S3Store:
    def __init__(self, source: BucketInput):
        self.source = source
        self.client = boto3.session.Session().client("s3", config=CLIENT_CONFIG)  # thread-safe

    def list(self, prefix: str, start_after: str | None) -> Iterator[ObjectInfo]:
        request = {"Bucket": self.source.bucket, "Prefix": prefix}
        if start_after:
            request["StartAfter"] = start_after
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(**request):
                for item in page.get("Contents", ()):
                    yield _info(item["Key"], item["Size"], item["ETag"], item.get("LastModified"))
        except (aws_errors.ClientError, aws_errors.BotoCoreError) as err:
            raise self._clear_error(err, f"cannot list {self.source.uri}") from None

    def download(self, listed: ObjectInfo, fh: BinaryIO) -> ObjectInfo:
        wanted = listed
        for _ in range(REPLACED_ATTEMPTS):
            try:
                self._copy(wanted, fh)
                return wanted
            except aws_errors.ClientError as err:
                if _code(err) not in _REPLACED:
                    raise self._clear_error(
                        err, f"cannot read {self.source.object_uri(listed.key)}"
                    ) from None
            current = self._stat(listed.key)  # the listed version is gone: replaced or deleted
            if current is None:
                raise ObjectGone(f"{self.source.object_uri(listed.key)} was deleted after it was listed")
            wanted = current
        raise ObjectChanged(f"{self.source.object_uri(listed.key)} was replaced while it was read")

    def _copy(self, info: ObjectInfo, fh: BinaryIO) -> None:
        fh.seek(0)
        fh.truncate()
        try:
            for attempt in retrying(lambda err: isinstance(err, _TRANSIENT)):
                with attempt:
                    request = {"Bucket": self.source.bucket, "Key": info.key, "IfMatch": f'"{info.version}"'}
                    if fh.tell():  # resume after a body that broke off, from the same version
                        request["Range"] = f"bytes={fh.tell()}-"
                    body = self.client.get_object(**request)["Body"]
                    for chunk in body.iter_chunks(CHUNK_BYTES):
                        fh.write(chunk)
                    if fh.tell() != info.size:
                        raise Transient(f"{fh.tell()} of {info.size} bytes arrived")
        except (*_TRANSIENT, Transient) as err:
            raise LandingError(
                f"cannot read {self.source.object_uri(info.key)} (gave up after retries): {err}"
            ) from None

    def _stat(self, key: str) -> ObjectInfo | None:
        try:
            head = self.client.head_object(Bucket=self.source.bucket, Key=key)
        except aws_errors.ClientError as err:
            if _code(err) in _REPLACED:
                return None
            raise self._clear_error(err, f"cannot read {self.source.object_uri(key)}") from None
        return _info(key, head["ContentLength"], head["ETag"], head.get("LastModified"))

    def _clear_error(self, err: Exception, what: str) -> LandingError:
        if isinstance(err, aws_errors.NoCredentialsError):
            return LandingError(
                f"{what}: no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or run with an instance, container or web-identity role)"
            )
        if isinstance(err, aws_errors.ClientError):
            code = _code(err)
            if code == "NoSuchBucket":
                return LandingError(f"bucket s3://{self.source.bucket} does not exist")
            message = err.response.get("Error", {}).get("Message") or code
            return LandingError(f"{what}: {code or _status(err)} {message}")
        return LandingError(f"{what} (gave up after retries): {err}")
