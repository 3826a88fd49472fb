"""Compaction: the small files of a lake date folder merged into a few, so readers open few files.

Every landing adds one file per table and event date it touched, so a lake fed all day holds many
small files per date, and readers pay per file: DuckDB opens every footer its glob matches when a
query binds, which made a next-day dbt build cost in proportion to the history's file count. After
each landing the dates it touched are compacted: a folder with `compact_min_files` or more small
files (under half of `compact_target_mb`) has them merged, in name order, into files of up to
`compact_target_mb`; big files stay as they are. Rows are copied unchanged and in order, in the lake
schema (an older file's missing columns become nulls; a file with columns the schema lacks is left
alone, never trimmed). A merged file's Arrow metadata (`spanledger.sources`) names the files it
holds, so the lake scan can still account for every landed input.

Order of steps, so that a crash at any point loses and doubles nothing: write the merged file beside
its sources under a temporary name and fsync it; journal (target, temporary, sources) in the
manifest; give the target its sources' subjects in the subject index (erasure must find it); rename
it into place; delete the sources; forget them in the index; close the journal.
`recover_compactions` rolls an open journal forward (landing and warehouse builds call it first).
Between the rename and the deletes both copies exist, so compaction runs only while no warehouse
build is reading the lake (`lake_readers`: builds share it, compaction needs it alone and is
deferred to the next landing when a build holds it).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.checkpoints import Checkpoint, kill_at_from_env, noop
from orchestration.lake.schema import LAKE_TABLES, conformable
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.lake.writer import (
    COMPACTION_ROW_GROUP,
    SCHEMA_FILE,
    SOURCES_KEY,
    fsync_dir,
    write_conformed,
)
from orchestration.locks import wait_for_flock
from orchestration.manifest import Manifest
from orchestration.settings import Settings
from orchestration.workers import default_workers, process_pool

PREFIX = "compacted-"


@dataclass
class CompactionReport:
    folders: int = 0  # date folders that were compacted
    files_in: int = 0
    files_out: int = 0
    rows: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0
    deferred: str | None = None  # why nothing was compacted this time

    def to_metadata(self) -> dict[str, object]:
        return {
            "compacted_folders": self.folders,
            "compacted_files_in": self.files_in,
            "compacted_files_out": self.files_out,
            "compaction_seconds": round(self.seconds, 3),
        }


# --- the readers' lock ------------------------------------------------------------------------
def _lock_path(settings: Settings) -> Path:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return settings.state_dir / "lake-readers.lock"


@contextmanager
def lake_readers(settings: Settings, timeout: float = 600.0) -> Iterator[None]:
    """Held (shared) by a warehouse build for as long as it reads the lake. Waits while a
    compaction finishes (seconds per date folder)."""
    with open(_lock_path(settings), "a+") as fh:
        if not wait_for_flock(fh, fcntl.LOCK_SH, timeout):
            raise TimeoutError(
                f"the lake of {settings.data_dir} is being compacted for over {timeout:.0f}s; try again later"
            )
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _exclusive(settings: Settings) -> Iterator[bool]:
    """True when no build is reading the lake (then none can start until this ends)."""
    with open(_lock_path(settings), "a+") as fh:
        alone = wait_for_flock(fh, fcntl.LOCK_EX, timeout=0)
        try:
            yield alone
        finally:
            if alone:
                fcntl.flock(fh, fcntl.LOCK_UN)


# --- planning ---------------------------------------------------------------------------------
def _folders(settings: Settings, days: Mapping[str, Iterable[str]] | None) -> list[tuple[str, Path]]:
    out = []
    for table in LAKE_TABLES:
        root = settings.table_dir(table)
        if days is None:
            folders = sorted(root.glob("date=*")) if root.is_dir() else []
        else:
            folders = [root / f"date={day}" for day in sorted(set(days.get(table, ())))]
        out += [(table, f) for f in folders if f.name != SCHEMA_FILE.parent.name and f.is_dir()]
    return out


@dataclass
class _SmallFile:
    path: Path
    size: int
    rows: int
    sources: list[str]


def _bins(folder: Path, schema: pa.Schema, min_files: int, target_bytes: int) -> list[list[_SmallFile]]:
    """Groups of small files to merge (each of two or more), or none when the folder has too few."""
    small = []
    for path in sorted(folder.glob("*.parquet")):
        size = path.stat().st_size
        if path.name.startswith(("_", ".")) or size >= target_bytes // 2:
            continue
        try:
            footer = pq.read_metadata(path)
            actual = footer.schema.to_arrow_schema()
        except (OSError, pa.ArrowException):
            continue  # a damaged file stays where `spanledger check --lake` reports it
        if not conformable(schema, actual):
            continue  # never trim a column the lake schema does not know, nor cast one of another type
        small.append(_SmallFile(path, size, footer.num_rows, sources_of(path, actual)))
    if len(small) < max(min_files, 2):
        return []
    bins: list[list[_SmallFile]] = [[]]
    total = 0
    for file in small:
        if bins[-1] and total + file.size > target_bytes:
            bins.append([])
            total = 0
        bins[-1].append(file)
        total += file.size
    return [b for b in bins if len(b) >= 2]


def sources_of(path: Path, schema: pa.Schema | None = None) -> list[str]:
    """The landed files (name stems) whose rows a lake file holds: itself, or what it was merged from.
    `schema`: the file's Arrow schema when the caller has read its footer already."""
    metadata = (schema if schema is not None else pq.read_schema(path)).metadata or {}
    if SOURCES_KEY in metadata:
        return json.loads(metadata[SOURCES_KEY])
    return [path.stem]


# --- merging ---------------------------------------------------------------------------------
@dataclass
class _Merge:
    """One group of small files → one compacted file: where it goes and what it holds."""

    table: str
    group: list[_SmallFile]
    target: Path
    temp: Path
    schema: pa.Schema

    @classmethod
    def plan(cls, table: str, group: list[_SmallFile]) -> _Merge:
        names = sorted({stem for file in group for stem in file.sources})
        schema = LAKE_TABLES[table].with_metadata({SOURCES_KEY: json.dumps(names).encode()})
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:24]
        folder = group[0].path.parent
        target = folder / f"{PREFIX}{digest}.parquet"
        return cls(table, group, target, folder / f".{target.name}.{uuid.uuid4().hex}.tmp", schema)


def _write(merge: _Merge) -> int:
    """The costly part (read, conform, encode; in a worker process when there are several): the
    merged file under its temporary name, fsynced. Unjournaled, so a crash leaves only a temporary
    file, which the next landing sweeps."""
    return write_conformed(
        [file.path for file in merge.group], merge.schema, merge.temp, row_group=COMPACTION_ROW_GROUP
    )


def _publish(
    manifest: Manifest, index: SubjectIndex, merge: _Merge, rows: int, checkpoint: Checkpoint
) -> int:
    """Journal a written merge and put it in place of its sources; returns its size in bytes."""
    expected = sum(f.rows for f in merge.group)
    if rows != expected:
        merge.temp.unlink(missing_ok=True)
        raise RuntimeError(
            f"compacting {merge.target.parent}: wrote {rows} rows, the sources hold {expected}"
        )
    checkpoint("compact_written")
    sources = [str(file.path) for file in merge.group]
    manifest.begin_compaction(str(merge.target), str(merge.temp), sources)
    checkpoint("compact_journaled")
    _roll_forward(index, merge.target, merge.temp, sources, checkpoint)
    manifest.finish_compaction(str(merge.target))
    return merge.target.stat().st_size


def _roll_forward(
    index: SubjectIndex, target: Path, temp: Path, sources: list[str], checkpoint: Checkpoint = noop
) -> None:
    """Publish a journaled compaction; every step may already have been done by a killed run."""
    index.carry_over(sources, str(target))
    if temp.exists():
        os.replace(temp, target)
        fsync_dir(target.parent)
    checkpoint("compact_published")
    for source in sources:
        if source != str(target):
            Path(source).unlink(missing_ok=True)
            checkpoint("compact_source_removed")
    fsync_dir(target.parent)
    index.forget_paths(s for s in sources if s != str(target))


def recover_compactions(settings: Settings, manifest: Manifest) -> int:
    """Finish compactions a killed run journaled; call with the landing lock held."""
    pending = manifest.pending_compactions()
    journaled = {temp for _, temp, _ in pending}
    # Under the landing lock no lake writer is running: a temporary file is a killed writer's leftover
    # (a compaction before its journal entry, a schema conformation), never published.
    for orphan in settings.lake_dir.glob("*/date=*/.*.tmp"):
        if str(orphan) not in journaled:
            orphan.unlink(missing_ok=True)
    if not pending:
        return 0
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        for target, temp, sources in pending:
            target_path, temp_path = Path(target), Path(temp)
            if temp_path.exists() or target_path.exists():
                _roll_forward(index, target_path, temp_path, sources)
            else:  # nothing was published: the sources are all still there
                index.forget_paths([target])
            manifest.finish_compaction(target)
    return len(pending)


def _written(merges: list[_Merge], workers: int) -> Iterator[tuple[_Merge, int]]:
    """Each merge with the rows written to its temporary file, as they finish; the files are written
    by up to `workers` processes (0: one per core, at most 4), each holding one row group."""
    workers = min(default_workers(workers), len(merges))
    if workers <= 1:
        for merge in merges:
            yield merge, _write(merge)
        return
    with process_pool(workers) as pool:
        futures = {pool.submit(_write, merge): merge for merge in merges}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()


def compact(
    settings: Settings,
    manifest: Manifest,
    days: Mapping[str, Iterable[str]] | None = None,
    *,
    min_files: int | None = None,
    checkpoint: Checkpoint = noop,
    workers: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> CompactionReport:
    """Compact the given dates per table (None: every date); call with the landing lock held."""
    report = CompactionReport()
    started = time.perf_counter()
    checkpoint = kill_at_from_env() if checkpoint is noop else checkpoint
    min_files = settings.compact_min_files if min_files is None else min_files
    if min_files <= 0:
        report.deferred = "compaction is off (SPANLEDGER_COMPACT_MIN_FILES=0)"
        return report
    target_bytes = settings.compact_target_mb * 2**20
    plans = [
        (table, group)
        for table, folder in _folders(settings, days)
        for group in _bins(folder, LAKE_TABLES[table], min_files, target_bytes)
    ]
    if not plans:
        return report
    with _exclusive(settings) as alone:
        if not alone:
            report.deferred = "a warehouse build is reading the lake; the next landing compacts"
            return report
        merges = [_Merge.plan(table, group) for table, group in plans]
        folders = {merge.target.parent for merge in merges}
        with SubjectIndex(subject_index_path(settings.state_dir)) as index:
            for done, (merge, rows) in enumerate(_written(merges, workers or settings.landing_workers), 1):
                report.bytes_out += _publish(manifest, index, merge, rows, checkpoint)
                report.files_in += len(merge.group)
                report.files_out += 1
                report.rows += rows
                report.bytes_in += sum(file.size for file in merge.group)
                if progress:
                    progress("compacting", done, len(merges))
    report.folders = len(folders)
    report.seconds = time.perf_counter() - started
    return report


def compact_lake(
    settings: Settings,
    days: Mapping[str, Iterable[str]] | None = None,
    *,
    min_files: int | None = None,
    lock_timeout: float = 600.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> CompactionReport:
    """`spanledger compact`: takes the landing lock and the manifest itself."""
    from orchestration.lake.uniformity import ensure_uniform
    from orchestration.locks import LakeLock

    with LakeLock(settings.state_dir, lock_timeout):
        manifest = Manifest(settings.manifest_path)
        try:
            recover_compactions(settings, manifest)
            report = compact(settings, manifest, days, min_files=min_files, progress=progress)
            ensure_uniform(settings)
            return report
        finally:
            manifest.close()


__all__ = [
    "SOURCES_KEY",
    "CompactionReport",
    "compact",
    "compact_lake",
    "lake_readers",
    "recover_compactions",
    "sources_of",
]
