"""What landing needs of a bucket, whichever cloud: list keys from a start, and copy one version of an
object to a local file. gcs.py and s3.py implement it with each cloud's own client and credentials."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

DOWNLOAD_ATTEMPTS = 6  # an object whose body broke off is fetched again, resuming where it stopped


@dataclass(frozen=True)
class ObjectInfo:
    """One version of an object as listed: the key and its identity there."""

    key: str
    size: int
    version: str  # GCS: the generation; S3: the ETag (with the size, it names the bytes)
    updated_ns: int  # when that version was written


class ObjectGone(Exception):
    """The object was deleted after it was listed: nothing to land."""


class ObjectChanged(Exception):
    """The object was replaced again and again while it was read: it lands at a later run."""


class Transient(Exception):
    """A download that may succeed when tried again (a body cut short, a checksum that did not match)."""


class ObjectStore(Protocol):
    def list(self, prefix: str, start_after: str | None) -> Iterator[ObjectInfo]:
        """Objects whose key starts with `prefix` and sorts after `start_after`, in key order."""
        ...

    def download(self, listed: ObjectInfo, fh: BinaryIO) -> ObjectInfo:
        """Copy one whole version of the object into `fh` (streamed, never held in memory): the listed
        one, or the current one if it was replaced meanwhile; the version copied. Raises ObjectGone."""
        ...


def retrying(is_transient) -> Retrying:
    """Backoff for an object download as a whole (the clients retry each request themselves)."""
    return Retrying(
        retry=retry_if_exception(lambda err: isinstance(err, Transient) or is_transient(err)),
        wait=wait_random_exponential(multiplier=0.5, max=30),
        stop=stop_after_attempt(DOWNLOAD_ATTEMPTS),
        reraise=True,
    )
