"""Objects copied to local files before they are landed: streamed to disk (never whole in memory),
in batches of at most `SPANLEDGER_SPOOL_MB` (and SPOOL_MAX_FILES objects), a few downloads at a time.
A batch is landed through the same machinery as local files, then its folder is deleted, so the spool
never holds more than one batch (an object larger than the bound is a batch alone)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from orchestration.landing.buckets.stores import ObjectChanged, ObjectGone, ObjectInfo, ObjectStore
from orchestration.landing.buckets.uri import BucketInput
from orchestration.landing.discovery import Pending
from orchestration.landing.report import FileOutcome

SPOOL_MAX_FILES = 2000  # objects per batch: what a kill can cost to download again
DOWNLOAD_THREADS = 8  # object stores answer each request in tens of ms: a few at once hide that


@dataclass
class Spooled:
    uri: str
    info: ObjectInfo  # the version copied (the listed one, or the one that replaced it)
    pending: Pending  # its local copy, for landing


class Spool:
    def __init__(self, root: Path, store: ObjectStore, source: BucketInput, max_bytes: int):
        self.root, self.store, self.source, self.max_bytes = root, store, source, max_bytes
        self.batch_number = 0

    def batches(self, objects: list[ObjectInfo]) -> Iterator[tuple[list[Spooled], list[FileOutcome]]]:
        """Each batch downloaded: its local copies, and the objects that went away meanwhile."""
        batch: list[ObjectInfo] = []
        size = 0
        for info in objects:
            if batch and (size + info.size > self.max_bytes or len(batch) >= SPOOL_MAX_FILES):
                yield self._fetch(batch)
                batch, size = [], 0
            batch.append(info)
            size += info.size
        if batch:
            yield self._fetch(batch)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _fetch(self, batch: list[ObjectInfo]) -> tuple[list[Spooled], list[FileOutcome]]:
        self.discard()  # the previous batch, landed
        self.batch_number += 1
        folder = self.root / f"batch-{self.batch_number:05d}"
        folder.mkdir(parents=True)
        with ThreadPoolExecutor(DOWNLOAD_THREADS, thread_name_prefix="spanledger-spool") as pool:
            results = list(pool.map(lambda item: self._one(folder, *item), enumerate(batch)))
        return [r for r in results if isinstance(r, Spooled)], [
            r for r in results if isinstance(r, FileOutcome)
        ]

    def _one(self, folder: Path, index: int, listed: ObjectInfo) -> Spooled | FileOutcome:
        uri = self.source.object_uri(listed.key)
        path = folder / f"{index:05d}-{hashlib.sha256(uri.encode()).hexdigest()[:16]}"
        try:
            with open(path, "wb") as fh:
                got = self.store.download(listed, fh)
        except ObjectGone:
            path.unlink(missing_ok=True)
            return FileOutcome(
                uri, "settling", detail="vanished before it was read (deleted after it was listed)"
            )
        except ObjectChanged as err:
            path.unlink(missing_ok=True)
            return FileOutcome(uri, "settling", detail=f"{err}; lands at a later run")
        if got.updated_ns:
            os.utime(path, ns=(got.updated_ns, got.updated_ns))
        return Spooled(uri, got, Pending(path, path.stat(), final=True, source=uri))
