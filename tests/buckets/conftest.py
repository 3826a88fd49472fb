"""Real local storage servers for the bucket tests: moto's S3 server and gcp-storage-emulator, each on a
free loopback port, with a fault-injecting proxy in front (tests/buckets/proxy.py). The landing code
reaches them the standard way of each cloud (AWS_ENDPOINT_URL_S3, STORAGE_EMULATOR_HOST); the tests
write objects with their own clients, straight to the server."""

from __future__ import annotations

import itertools
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from orchestration.settings import Settings
from tests.buckets.proxy import FaultProxy

_names = itertools.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    yield server.get_host_and_port()[1]
    server.stop()


@pytest.fixture(scope="session")
def gcs_server():
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    yield port
    server.stop()


@dataclass
class Bucket:
    """A fresh bucket on one of the servers, written to directly (not through the proxy)."""

    scheme: str
    name: str
    client: object
    proxy: FaultProxy

    def uri(self, prefix: str = "") -> str:
        return f"{self.scheme}://{self.name}/{prefix}"

    def put(self, key: str, data: bytes) -> None:
        if self.scheme == "s3":
            self.client.put_object(Bucket=self.name, Key=key, Body=data)
        else:
            self.client.bucket(self.name).blob(key).upload_from_string(data)

    def start_upload(self, key: str, data: bytes) -> Callable[[], None]:
        """Begin uploading `data` to `key` as the exporters' clients do for large objects (S3 multipart,
        GCS resumable), sending all of it (S3) or its first half (GCS) now; the object exists only once
        the returned function completes the upload."""
        if self.scheme == "s3":
            upload = self.client.create_multipart_upload(Bucket=self.name, Key=key)["UploadId"]
            part = self.client.upload_part(
                Bucket=self.name, Key=key, UploadId=upload, PartNumber=1, Body=data
            )
            parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
            return lambda: self.client.complete_multipart_upload(
                Bucket=self.name, Key=key, UploadId=upload, MultipartUpload=parts
            )
        session = self.client.bucket(self.name).blob(key).create_resumable_upload_session(size=len(data))
        half = len(data) // 2

        def send(start: int, end: int, expect: int) -> None:
            headers = {"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"}
            assert (
                requests.put(session, data=data[start:end], headers=headers, timeout=30).status_code == expect
            )

        send(0, half, 308)  # 308: resume incomplete
        return lambda: send(half, len(data), 200)

    def delete(self, key: str) -> None:
        if self.scheme == "s3":
            self.client.delete_object(Bucket=self.name, Key=key)
        else:
            self.client.bucket(self.name).blob(key).delete()

    def version(self, key: str) -> str:
        if self.scheme == "s3":
            return self.client.head_object(Bucket=self.name, Key=key)["ETag"].strip('"')
        return str(self.client.bucket(self.name).get_blob(key).generation)


def s3_bucket(port: int, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    import boto3

    proxy = FaultProxy(port).start()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": proxy.endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}")
    name = f"otel-{next(_names)}"
    client.create_bucket(Bucket=name)
    return Bucket("s3", name, client, proxy)


def gcs_bucket(port: int, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    proxy = FaultProxy(port).start()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.endpoint)
    client = storage.Client(
        project="test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": f"http://127.0.0.1:{port}"},
    )
    name = f"otel-{next(_names)}"
    client.create_bucket(name)
    return Bucket("gs", name, client, proxy)


@pytest.fixture
def s3(s3_server, monkeypatch):
    bucket = s3_bucket(s3_server, monkeypatch)
    yield bucket
    bucket.proxy.stop()


@pytest.fixture
def gcs(gcs_server, monkeypatch):
    bucket = gcs_bucket(gcs_server, monkeypatch)
    yield bucket
    bucket.proxy.stop()


@pytest.fixture(params=["gs", "s3"])
def bucket(request, monkeypatch) -> Bucket:
    """Each test that takes it runs against both servers."""
    if request.param == "s3":
        made = s3_bucket(request.getfixturevalue("s3_server"), monkeypatch)
    else:
        made = gcs_bucket(request.getfixturevalue("gcs_server"), monkeypatch)
    yield made
    made.proxy.stop()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    return Settings.from_env(tmp_path / "data")
