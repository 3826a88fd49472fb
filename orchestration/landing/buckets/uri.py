"""`gs://bucket/prefix` and `s3://bucket/prefix` inputs, and which object keys under them landing takes."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.landing.discovery import TEMP_SUFFIXES
from orchestration.landing.report import LandingError

SCHEMES = ("gs", "s3")


def is_bucket_uri(value: object) -> bool:
    return isinstance(value, str) and value.split("://", 1)[0] in SCHEMES and "://" in value


@dataclass(frozen=True)
class BucketInput:
    """One bucket input: every object whose key starts with `prefix` (a folder when it ends in `/`)."""

    scheme: str  # gs | s3
    bucket: str
    prefix: str  # "" for the whole bucket

    @property
    def uri(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.prefix}"

    def object_uri(self, key: str) -> str:
        return f"{self.scheme}://{self.bucket}/{key}"


def parse_bucket_uri(value: str) -> BucketInput:
    scheme, _, rest = value.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme not in SCHEMES or not bucket:
        raise LandingError(
            f"not a bucket input: {value!r} (expected gs://BUCKET/PREFIX or s3://BUCKET/PREFIX)"
        )
    return BucketInput(scheme, bucket, prefix)


def is_candidate_key(key: str, prefix: str) -> bool:
    """The rule of local folders, on keys: below the input prefix, no folder starting with `.` or `_`
    (e.g. `_temporary/`, `.staging/`), no hidden or temporary name, and no folder placeholder."""
    if key.endswith("/"):
        return False
    below = key[len(prefix) :] if key.startswith(prefix) else key
    *folders, name = below.split("/")
    if any(folder.startswith((".", "_")) for folder in folders if folder):
        return False
    return bool(name) and not name.startswith(".") and not name.endswith(TEMP_SUFFIXES)
