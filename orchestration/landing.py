"""Land OTLP export files into the Parquet lake exactly once.

One call of `land()`:
1. takes the landing lock (two landings at once wait for each other instead of racing);
2. rolls forward a publish that a killed run left half done (write-ahead journal in the manifest);
3. finds candidate files, skipping hidden/temporary ones and files still being written (modified
   less than `settle_seconds` ago);
4. identifies each by content hash, one file ahead of the decoders (a backlog is not read twice
   before anything lands): landed content is skipped, a file that grew (or was rotated) past a
   landed prefix lands only its new tail;
5. decodes files in worker processes (big JSON-lines files split at line boundaries), writing
   Parquet to a staging folder;
6. publishes each file's outputs by atomic renames, then records it as landed;
7. compacts the date folders it added files to (orchestration/lake/compaction.py).

Records in = records landed + records quarantined, per file, in the manifest and the report.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import hashlib
import math
import multiprocessing
import os
import shutil
import time
import traceback
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa

from orchestration import compiled
from orchestration.arrow_without_pandas import skip_pandas_probe
from orchestration.lake import native
from orchestration.lake.compaction import CompactionReport, compact, recover_compactions
from orchestration.lake.normalize import Batch, Normalizer, detect_signal
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.lake.schema import LAKE_TABLES
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.lake.suppression import (
    drop_suppressed,
    drop_suppressed_arrow,
    drop_suppressed_quarantine,
    load_suppression,
)
from orchestration.lake.uniformity import ensure_uniform
from orchestration.lake.writer import StagedWriter, day_string, ensure_schema_files, publish
from orchestration.locks import wait_for_flock
from orchestration.manifest import Manifest
from orchestration.otlp.reader import FileShape, LineBlock, Unit, detect_shape, json_unit, read_units, sniff
from orchestration.settings import Settings
from orchestration.workers import default_workers, process_pool

HEAD_BYTES = 4096
# Big plain JSON-lines files are split at line ends so every core works on them. Slices come in
# multiples of the worker count (the cores finish together) and are as large as allowed: each slice
# writes its own lake files, and fewer, larger files need no compaction afterwards. Memory does not
# grow with a slice: it is read as a stream and written every FLUSH_ROWS rows.
MIN_SLICE_BYTES = 64 * 1024 * 1024
MAX_SLICE_BYTES = 1024 * 1024 * 1024
# A file up to GROUP_FILE_BYTES shares its task with other small files, up to GROUP_MAX_BYTES and
# GROUP_MAX_FILES a task: per-file costs (a Parquet file per table and date, the compaction that would
# merge them, worker start-up of a task) otherwise dominate a backlog of small rotated files.
GROUP_FILE_BYTES = 16 * 1024 * 1024
GROUP_MAX_BYTES = 64 * 1024 * 1024
GROUP_MAX_FILES = 500
THREADED_HASH_BYTES = 32 * 1024 * 1024  # files this big are hashed in a thread while their lines are counted
POOL_MIN_BYTES = 8 * 1024 * 1024  # less than this lands in-process: starting workers costs more
# A big file's first slice is decoded while the file is still being hashed (see _land_candidates), so it
# gets a share this much larger than even (measured on 1.2 GB: both processes then finish together).
EARLY_SLICE_SHARE = 1.08
ID_PENDING = ""  # the file_id of such an early slice's Task until the file is hashed
FLUSH_ROWS = 25_000  # rows a task buffers before writing them (a worker peaks near 350 MiB; 50k: 475)
# Rows of the native decoder are Arrow already (~1.5 KiB a span): a task buffers more of them, which
# also makes fewer, larger row groups.
FLUSH_ARROW_ROWS = 100_000
RAW_EXCERPT_CHARS = 2048
TEMP_SUFFIXES = (".tmp", ".partial", ".part", ".swp", ".crdownload", ".lock")


class LandingError(RuntimeError):
    """A problem with the run itself (not with a file's content): bad paths, lock timeout."""


@dataclass
class FileOutcome:
    path: str
    outcome: str  # landed | appended | duplicate | unchanged | settling
    file_id: str | None = None
    records_in: int = 0
    records_landed: int = 0
    records_quarantined: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    format: str | None = None
    detail: str | None = None
    records_suppressed: int = 0  # rows of erased subjects, deliberately not landed


@dataclass
class LandingReport:
    files: list[FileOutcome] = field(default_factory=list)
    bytes_in: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    days: dict[str, list[str]] = field(default_factory=dict)
    quarantine_examples: list[str] = field(default_factory=list)
    recovered: int = 0
    compaction: CompactionReport = field(default_factory=CompactionReport)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def records_in(self) -> int:
        return sum(f.records_in for f in self.files)

    @property
    def records_landed(self) -> int:
        return sum(f.records_landed for f in self.files)

    @property
    def records_quarantined(self) -> int:
        return sum(f.records_quarantined for f in self.files)

    @property
    def records_suppressed(self) -> int:
        return sum(f.records_suppressed for f in self.files)

    @property
    def rows(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for f in self.files:
            for table, n in f.rows.items():
                total[table] = total.get(table, 0) + n
        return total

    def to_metadata(self) -> dict[str, Any]:
        return {
            "files_landed": self.count("landed") + self.count("appended"),
            "files_duplicate": self.count("duplicate"),
            "files_settling": self.count("settling"),
            "records_in": self.records_in,
            "records_landed": self.records_landed,
            "records_quarantined": self.records_quarantined,
            "records_suppressed": self.records_suppressed,
            "bytes_in": self.bytes_in,
            "bytes_written": self.bytes_written,
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
            "hot_path": compiled.summary(),
            "native_decoder": native.status(),
            **self.compaction.to_metadata(),
        }


@dataclass
class Task:
    """One slice of one file, decoded by one worker."""

    path: str
    file_id: str
    chunk: int
    start: int
    end: int | None
    first_line: int
    shape: FileShape
    landing_day: str
    file_id_path: str | None = None  # where an early slice (file_id ID_PENDING) finds its file's id


class FileWithdrawn(Exception):
    """The file an early slice was decoding is not landed after all: a duplicate, still growing or gone."""


def _await_file_id(path: Path) -> str:
    """The file id the main process announces once it has hashed the file (see _announce_file_id)."""
    delay = 0.002
    parent = multiprocessing.parent_process()
    while not path.exists():
        if parent is not None and not parent.is_alive():  # where no signal ends the worker with it
            raise FileWithdrawn(f"{path}: the landing process is gone")
        time.sleep(delay)
        delay = min(2 * delay, 0.05)
    file_id = path.read_text()
    if not file_id:
        raise FileWithdrawn(str(path))
    return file_id


def _announce_file_id(path: Path, file_id: str) -> None:
    """Atomically: an early slice never reads half an id. An empty id withdraws the file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(file_id)
    os.replace(tmp, path)


@dataclass
class Candidate:
    path: Path
    size: int
    mtime_ns: int
    file_id: str
    head_sha256: str
    compression: str
    line_marks: LineMarks  # line ends seen while hashing, for slicing plain JSON lines
    base_file_id: str | None = None
    start_offset: int = 0


# --- locking and recovery ---------------------------------------------------------------------


class LandingLock:
    """An exclusive lock on the data directory's landing; waits, then fails with a clear message."""

    def __init__(self, state_dir: Path, timeout: float):
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "landing.lock"
        self.timeout = timeout
        self._fh = None

    def __enter__(self) -> LandingLock:
        self._fh = open(self.path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        if not wait_for_flock(self._fh, fcntl.LOCK_EX, self.timeout):
            self._fh.close()
            raise LandingError(
                f"another landing is running on this data directory ({self.path}); "
                "wait for it to finish or raise --lock-timeout"
            )
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"{os.getpid()}\n")
        self._fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._fh is not None
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


def recover(settings: Settings, manifest: Manifest) -> int:
    """Finish the publishes and compactions a killed run started; drop staging output no journal
    refers to. Call with the landing lock held."""
    staging_root = _staging_root(settings)
    recovered = recover_compactions(settings, manifest)
    for file_id, moves, result in manifest.pending_journal():
        try:
            publish([tuple(m) for m in moves])
            manifest.finish_publish(result)
            recovered += 1
        except FileNotFoundError:
            manifest.drop_journal(file_id)  # outputs vanished: the file will simply land again
    if staging_root.exists():
        shutil.rmtree(staging_root, ignore_errors=True)
    return recovered


def finish_interrupted_publish(settings: Settings, lock_timeout: float = 600.0) -> int:
    """For readers of the lake (warehouse builds): roll forward a publish that a killed landing left
    half done, so a build never sees part of a file's output. Cheap when there is nothing to do."""
    if not settings.manifest_path.exists():
        return 0
    with LandingLock(settings.state_dir, lock_timeout):
        manifest = Manifest(settings.manifest_path)
        try:
            return recover(settings, manifest)
        finally:
            manifest.close()


def _staging_root(settings: Settings) -> Path:
    """Where landing writes before it publishes; only a run holding the landing lock uses it."""
    return settings.lake_dir / "_staging"


# --- discovery --------------------------------------------------------------------------------


def candidate_files(inputs: Iterable[Path]) -> list[Path]:
    """Every file landing would consider under `inputs`, in a stable order: folders searched
    recursively, hidden and `_`-prefixed folders skipped, hidden and temporary files left out.
    The Dagster sensor uses the same list, so it never asks for a run landing would not do."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            for root, dirs, files in os.walk(item):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                found.extend(Path(root) / name for name in sorted(files))
        elif item.is_file():
            found.append(item)
        else:
            raise LandingError(f"input path does not exist or is not readable: {item}")
    return [path for path in found if not (path.name.startswith(".") or path.name.endswith(TEMP_SUFFIXES))]


class LineMarks:
    """How many line ends come before each block boundary of a file, noted while it is hashed, so
    slicing a big file and numbering its lines takes no second pass over it."""

    def __init__(self) -> None:
        self.offsets = [0]
        self.counts = [0]

    def add(self, block: bytes | memoryview) -> None:
        self.offsets.append(self.offsets[-1] + len(block))
        self.counts.append(self.counts[-1] + native.count_newlines(block))

    def before(self, fh: BinaryIO, offset: int) -> int:
        """Line ends in bytes 0..offset: the nearest mark, plus at most one block read."""
        i = bisect_right(self.offsets, offset) - 1
        return self.counts[i] + _count_newlines(fh, self.offsets[i], offset)


def _landed_prefixes(manifest: Manifest, head: bytes, head_sha: str, size: int) -> dict[str, int]:
    """Landed files (id → size) that may be a byte prefix of a file of `size` bytes starting with `head`."""
    return dict(manifest.prefix_candidates(head_sha, size)) if len(head) == HEAD_BYTES else {}


def _identify(path: Path, size: int, manifest: Manifest) -> tuple[str, str, str | None, int, LineMarks]:
    """Content hash, head hash, the longest landed prefix of this content (if any), and line marks."""
    marks = LineMarks()
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        marks.add(head)
        head_sha = hashlib.sha256(head).hexdigest()
        wanted = {s: fid for fid, s in _landed_prefixes(manifest, head, head_sha, size).items()}
        digest = hashlib.sha256(head)
        position = len(head)
        prefix: tuple[str | None, int] = (None, 0)
        for stop in sorted(wanted):
            while position < stop:
                block = fh.read(min(1 << 20, stop - position))
                if not block:
                    break
                digest.update(block)
                marks.add(block)
                position += len(block)
            if position == stop and digest.copy().hexdigest() == wanted[stop]:
                prefix = (wanted[stop], stop)
        if size - position < THREADED_HASH_BYTES:
            while block := fh.read(1 << 20):
                digest.update(block)
                marks.add(block)
        else:  # hashing (which releases the GIL) in a thread, counting lines here: ~40% less wall time
            # Two buffers read into in turn: one is hashed while the other fills (fresh blocks cost page faults).
            views = [memoryview(bytearray(4 << 20)), memoryview(bytearray(4 << 20))]
            hashing: list[Future | None] = [None, None]
            with ThreadPoolExecutor(1, thread_name_prefix="spanledger-hash") as thread:
                turn = 0
                while True:
                    if hashing[turn] is not None:
                        hashing[turn].result()  # done with this buffer
                    got = fh.readinto(views[turn])
                    if not got:
                        break
                    block = views[turn][:got]
                    hashing[turn] = thread.submit(digest.update, block)
                    marks.add(block)
                    turn ^= 1
                for pending in hashing:
                    if pending is not None:
                        pending.result()
    return digest.hexdigest(), head_sha, prefix[0], prefix[1], marks


def _count_newlines(fh: BinaryIO, start: int, end: int) -> int:
    """Line ends in bytes start..end of an open file, read in 16 MiB blocks."""
    fh.seek(start)
    count, remaining = 0, end - start
    while remaining > 0:
        block = fh.read(min(1 << 24, remaining))
        if not block:
            break
        count += native.count_newlines(block)
        remaining -= len(block)
    return count


def slice_bytes(new_bytes: int, workers: int) -> int:
    """How many bytes each slice of a file gets: see MIN_SLICE_BYTES."""
    slices = workers * math.ceil(new_bytes / (workers * MAX_SLICE_BYTES) or 1)
    return max(MIN_SLICE_BYTES, math.ceil(new_bytes / slices))


def _line_end_after(fh: BinaryIO, target: int, size: int) -> int | None:
    """Where a slice meant to end at `target` ends: after the line that crosses it. None when that is
    the file's end (the slice is the last)."""
    if target >= size:
        return None
    fh.seek(target)
    fh.readline()
    end = fh.tell()
    return end if end < size else None


def _split(
    path: Path, start: int, size: int, marks: LineMarks, chunk_bytes: int
) -> list[tuple[int, int | None, int]]:
    """(start, end, first_line) slices of a plain JSON-lines file, cut at line ends."""
    slices: list[tuple[int, int | None, int]] = []
    with open(path, "rb") as fh:
        cursor = start
        while True:
            first_line = 1 + marks.before(fh, cursor)
            end = _line_end_after(fh, cursor + chunk_bytes, size)
            if end is None:
                slices.append((cursor, None, first_line))
                return slices
            slices.append((cursor, end, first_line))
            cursor = end


# --- decoding (runs in worker processes) -------------------------------------------------------


def _quarantine_row(
    task: Task,
    unit_location: str,
    field_name: str,
    reason: str,
    records: int,
    raw: bytes | str | None,
    signal: str | None,
) -> dict[str, Any]:
    raw_bytes = raw.encode() if isinstance(raw, str) else (raw or b"")
    return {
        "source_path": task.path,
        "source_file_id": task.file_id,
        "signal": signal,
        "location": unit_location,
        "field": field_name,
        "reason": reason,
        "records": records,
        "raw_excerpt": raw_bytes[:RAW_EXCERPT_CHARS].decode("utf-8", "replace") if raw_bytes else None,
        "raw_bytes": len(raw_bytes),
        "quarantined_at": int(time.time() * 1_000_000),
    }


def _redacted_excerpt(raw: bytes | None) -> bytes | None:
    """A record set aside after parsing loses its attributes and body: those may hold people's data."""
    if not raw:
        return raw
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    if isinstance(obj, dict):
        for key in ("attributes", "body", "events", "links"):
            if key in obj:
                obj[key] = "[removed by spanledger]"
    return orjson.dumps(obj)


RECORD_TABLES = ("spans", "logs", "metric_points")


@dataclass
class _Tally:
    """What one input file of a task became (a task may decode several small files)."""

    task: Task
    units_in: int = 0
    records_in: int = 0
    records_quarantined: int = 0
    records_suppressed: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    days: dict[str, set[str]] = field(default_factory=dict)
    signals: set[str] = field(default_factory=set)
    seconds: float = 0.0
    quarantine_examples: list[str] = field(default_factory=list)

    def result(self) -> dict[str, Any]:
        return {
            "file_id": self.task.file_id,
            "chunk": self.task.chunk,
            "units_in": self.units_in,
            "records_in": self.records_in,
            "records_quarantined": self.records_quarantined,
            "records_landed": sum(self.rows[t] for t in RECORD_TABLES),
            "records_suppressed": self.records_suppressed,
            "rows": {t: n for t, n in self.rows.items() if t != "quarantine"},
            "days": {t: sorted(d) for t, d in self.days.items()},
            "signals": sorted(self.signals),
            "seconds": self.seconds,
            "quarantine_examples": self.quarantine_examples[:3],
        }


def process_task(tasks: list[Task], settings: Settings, staging_root: Path) -> dict[str, Any]:
    """Decode one slice of a file, or several small whole files into one set of outputs (a backlog of
    small files then costs one Parquet file per table and date, not one per input file)."""
    # Batches hold ~10^7 small acyclic objects; the cyclic collector would walk them all over and over
    # (measured: JSON parsing 5x slower). Reference counting frees them; collect once per batch instead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _process_task(tasks, settings, staging_root)
    finally:
        if gc_was_enabled:
            gc.enable()


def output_stem(task: Task) -> str:
    return f"{task.file_id[:24]}-{task.chunk:03d}"


def _with_file_id(arrow: pa.Table, file_id: str) -> pa.Table:
    """Rows the native decoder took before their file's id was known, given it."""
    i = arrow.schema.get_field_index("source_file_id")
    return arrow.set_column(i, arrow.schema.field(i), native.file_id_column(file_id, arrow.num_rows))


def _process_task(tasks: list[Task], settings: Settings, staging_root: Path) -> dict[str, Any]:
    attribute_filter = AttributeFilter(
        SubjectHasher(settings.hmac_key),
        keep_content=settings.store_content,
        hash_sessions=settings.hash_session_ids,
        max_value_chars=settings.max_attribute_bytes,
        extra_user_keys=settings.extra_user_id_keys,
    )
    first = tasks[0]
    normalizer = Normalizer(
        attribute_filter,
        first.file_id,
        settings.content_ttl_days,
        {table: schema.names for table, schema in LAKE_TABLES.items()},
    )
    writer: StagedWriter | None = None
    tallies = {task.file_id: _Tally(task) for task in tasks}
    batch = Batch()

    def writer_ready() -> StagedWriter:
        """The task's writer. An early slice first waits for its file's id, which its rows so far lack."""
        nonlocal writer, first, tasks
        if writer is None:
            if first.file_id == ID_PENDING:
                file_id = _await_file_id(Path(first.file_id_path or ""))
                tally = tallies.pop(ID_PENDING)
                first = tally.task = replace(first, file_id=file_id, file_id_path=None)
                tasks, tallies[file_id], normalizer.file_id = [first], tally, file_id
                batch.arrow = [
                    (table, file_id, _with_file_id(arrow, file_id)) for table, _, arrow in batch.arrow
                ]
            stem = output_stem(first)
            writer = StagedWriter(
                staging_root / f"{stem}-{uuid.uuid4().hex[:8]}",
                stem,
                settings.data_dir,
                first.landing_day,
                sources=[output_stem(t) for t in tasks],
            )
        return writer

    suppressed = load_suppression(settings)
    quarantine: list[dict[str, Any]] = []

    def set_aside(
        tally: _Tally,
        location: str,
        field_name: str,
        reason: str,
        records: int,
        raw: bytes | str | None,
        signal: str | None,
    ) -> None:
        quarantine.append(_quarantine_row(tally.task, location, field_name, reason, records, raw, signal))
        tally.records_quarantined += records
        if len(tally.quarantine_examples) < 3:
            tally.quarantine_examples.append(f"{location}: {field_name}: {reason}")

    def write(table: str, rows: list[dict[str, Any]]) -> None:
        if table == "quarantine":
            rejected = writer_ready().write_quarantine(rows)
        elif table == "restricted_content":
            rejected = writer_ready().write_content(rows)
        else:
            rejected = writer_ready().write_rows(table, rows)
        if rejected:
            refused = {id(row) for row, _ in rejected}
            rows = [row for row in rows if id(row) not in refused]
        # per input file: a count and the distinct days (formatted once each, not once a row)
        for file_id, n in Counter(row["source_file_id"] for row in rows).items():
            tallies[file_id].rows[table] += n
        for file_id, day in {(row["source_file_id"], row["_day"]) for row in rows}:
            tallies[file_id].days.setdefault(table, set()).add(day_string(day))
        for row, reason in rejected if table != "quarantine" else ():
            # Safety net: a value the decoder let through but Parquet cannot hold is quarantined.
            set_aside(
                tallies.get(row.get("source_file_id"), tallies[first.file_id]),
                row.get("source_offset") or "",
                "row",
                f"cannot be stored in {table}: {reason[:300]}",
                1 if table in RECORD_TABLES else 0,
                None,
                table,
            )

    def write_arrow(table: str, file_id: str, arrow: pa.Table) -> None:
        tally = tallies[file_id]
        if suppressed:
            arrow, dropped = drop_suppressed_arrow(arrow, suppressed)
            if table in RECORD_TABLES:
                tally.records_suppressed += dropped
        for day, n in writer_ready().write_arrow(table, arrow).items():
            tally.rows[table] += n
            tally.days.setdefault(table, set()).add(day_string(day))

    def flush() -> None:
        nonlocal batch
        writer_ready()  # an early slice learns its file's id here
        if suppressed:
            for file_id, n in drop_suppressed(batch, suppressed, RECORD_TABLES).items():
                tallies[file_id].records_suppressed += n
        for table, rows in batch.rows.items():
            write(table, rows)
        blocks: dict[tuple[str, str], list[pa.Table]] = {}
        for table, file_id, arrow in batch.arrow:
            blocks.setdefault((table, file_id), []).append(arrow)
        for (table, file_id), arrows in blocks.items():  # one write, so one row group, per table
            write_arrow(table, file_id, pa.concat_tables(arrows))
        write("restricted_content", batch.content)
        batch = Batch()
        gc.collect(0)

    def decode(tally: _Tally, unit: Unit) -> None:
        writer_ready()  # rows and quarantine entries of the Python path carry the file id at once
        tally.units_in += 1
        if unit.error is not None:
            tally.records_in += 1
            set_aside(tally, unit.location, unit.error_field or "file", unit.error, 1, unit.raw, None)
            return
        signal = unit.signal or detect_signal(unit.request)
        if signal is None:
            tally.records_in += 1
            keys = ", ".join(sorted(unit.request or {})[:8])
            set_aside(
                tally,
                unit.location,
                "request",
                f"unknown convention: no resourceSpans, resourceLogs or resourceMetrics (keys: {keys})",
                1,
                orjson.dumps(unit.request),
                None,
            )
            return
        tally.signals.add(signal)
        try:
            getattr(normalizer, signal)(unit.request, unit.location, batch)
        except Exception as err:  # noqa: BLE001 - a decoder bug must not sink the run; it is quarantined
            batch.quarantined.clear()
            tally.records_in += 1
            set_aside(
                tally,
                unit.location,
                "request",
                f"internal decoder error {type(err).__name__}: {err}",
                1,
                orjson.dumps(unit.request),
                signal,
            )
            traceback.print_exc()
        else:
            for q in batch.quarantined:
                set_aside(
                    tally,
                    q.location,
                    q.field,
                    q.reason,
                    q.records,
                    _redacted_excerpt(q.raw if isinstance(q.raw, bytes) else None),
                    None,
                )
            batch.quarantined.clear()
        tally.records_in += batch.records_in
        batch.records_in = 0

    def decode_natively(tally: _Tally, block: LineBlock) -> None:
        """Trace lines through the native decoder; the lines it refuses through `decode`."""
        tables, refused, spans, lines = native_decoder.decode(
            block.data, block.first_line, tally.task.file_id
        )
        tally.units_in += lines
        tally.records_in += spans
        if lines:
            tally.signals.add("traces")
        for table, arrow in tables.items():
            batch.arrow.append((table, tally.task.file_id, arrow))
        for line, start, end, _ in refused:
            decode(tally, json_unit(bytes(block.data[start:end]), f"line {line}"))

    native_decoder = (
        native.NativeTraces(attribute_filter) if native.available() and not settings.store_content else None
    )
    try:
        for task in tasks:
            started = time.perf_counter()
            tally = tallies[task.file_id]
            normalizer.file_id = task.file_id
            for item in read_units(
                Path(task.path),
                task.start,
                task.end,
                task.first_line,
                task.shape,
                blocks=native_decoder is not None,
            ):
                if isinstance(item, LineBlock):
                    decode_natively(tally, item)
                elif isinstance(item, Unit):
                    decode(tally, item)
                if batch.row_count() >= FLUSH_ROWS or batch.arrow_rows() >= FLUSH_ARROW_ROWS:
                    flush()
            tally.seconds += time.perf_counter() - started
        flush()
        if suppressed:  # quarantined records naming an erased person or trace are suppressed instead
            for file_id, n in drop_suppressed_quarantine(quarantine, suppressed).items():
                tallies[file_id].records_quarantined -= n
                tallies[file_id].records_suppressed += n
        write("quarantine", quarantine)
        moves = writer_ready().close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return {
        "moves": moves,
        "subjects": writer_ready().subject_index(),
        "bytes_written": sum(os.path.getsize(s) for s, _ in moves),
        "files": [tally.result() for tally in tallies.values()],
    }


# --- the run ----------------------------------------------------------------------------------


def land(
    settings: Settings,
    inputs: list[Path] | None = None,
    *,
    settle_seconds: float | None = None,
    workers: int | None = None,
    lock_timeout: float = 600.0,
    progress: Callable[[str, int, int], None] | None = None,
    run_id: str | None = None,
) -> LandingReport:
    """Land every new file under `inputs` (default: the data directory's inbox)."""
    skip_pandas_probe()
    inputs = [Path(p) for p in (inputs or [settings.inbox_dir])]
    settle = settings.settle_seconds if settle_seconds is None else settle_seconds
    report = LandingReport()
    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    staging_root = _staging_root(settings)
    with LandingLock(settings.state_dir, lock_timeout):
        manifest = Manifest(settings.manifest_path)
        try:
            report.recovered = recover(settings, manifest)
            ensure_schema_files(settings.lake_dir)
            pending = _discover(settings, manifest, inputs, settle, report)
            try:
                _land_candidates(settings, manifest, pending, staging_root, workers, progress, report, run_id)
            except OSError as err:
                if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                landed = report.count("landed") + report.count("appended")
                raise LandingError(
                    f"disk full while landing into {settings.data_dir} ({err.strerror}); {landed} file(s) were "
                    "landed completely before it, nothing of the others was published; free space and "
                    "run again"
                ) from None
            # the dates this landing added files to, so the lake's file count stays bounded
            try:
                report.compaction = compact(
                    settings, manifest, report.days, workers=workers, progress=progress
                )
                ensure_uniform(settings)  # reads footers only after an upgrade changed the lake schema
            except OSError as err:  # what landed stays landed; the next landing tries again
                report.compaction.deferred = f"compaction or schema check failed: {err}"
        finally:
            manifest.close()
            shutil.rmtree(staging_root, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def _discover(
    settings: Settings, manifest: Manifest, inputs: list[Path], settle: float, report: LandingReport
) -> list[tuple[Path, os.stat_result]]:
    """The files that may need landing, by the cheap checks only (still settling, unchanged path)."""
    now_ns = time.time_ns()
    pending = []
    for path in candidate_files(inputs):
        try:
            stat = path.stat()
        except OSError as err:
            raise LandingError(f"cannot read {path}: {err.strerror}") from None
        key = str(path.resolve())
        if now_ns - stat.st_mtime_ns < settle * 1e9:
            report.files.append(
                FileOutcome(key, "settling", detail=f"modified < {settle:g}s ago; lands later")
            )
            continue
        if manifest.path_unchanged(key, stat.st_size, stat.st_mtime_ns):
            report.files.append(FileOutcome(key, "unchanged"))
            continue
        pending.append((path, stat))
    return pending


def _identified(
    manifest: Manifest,
    pending: list[tuple[Path, os.stat_result]],
    report: LandingReport,
    skipped: Callable[[int], None],
) -> Iterator[Candidate]:
    """Hash each pending file when it is next in line, so decoding starts after the first file is
    hashed rather than the last (a backlog of GBs takes minutes to read); duplicates are set aside."""
    seen_ids: set[str] = set()
    for path, stat in pending:
        key = str(path.resolve())
        try:
            file_id, head_sha, base_id, base_size, marks = _identify(path, stat.st_size, manifest)
            grown = path.stat().st_size != stat.st_size
        except FileNotFoundError:  # rotated away since it was listed: nothing to land now
            report.files.append(FileOutcome(key, "settling", detail="vanished before it was read"))
            skipped(stat.st_size)
            continue
        except OSError as err:
            raise LandingError(f"cannot read {path}: {err.strerror}") from None
        if grown:
            report.files.append(FileOutcome(key, "settling", detail="still growing"))
            skipped(stat.st_size)
            continue
        existing = manifest.landed(file_id)
        if existing or file_id in seen_ids:
            original = existing["path"] if existing else "a file earlier in this run"
            manifest.record_path(
                key, stat.st_size, stat.st_mtime_ns, file_id, "duplicate", datetime.now(UTC).isoformat()
            )
            report.files.append(FileOutcome(key, "duplicate", file_id, detail=f"same content as {original}"))
            skipped(stat.st_size)
            continue
        seen_ids.add(file_id)
        with open(path, "rb") as fh:
            compression = sniff(fh.read(8))
        yield Candidate(
            path, stat.st_size, stat.st_mtime_ns, file_id, head_sha, compression, marks, base_id, base_size
        )


def _tasks_for(candidate: Candidate, landing_day: str, workers: int, after: Task | None = None) -> list[Task]:
    """The file's slices, or those after an early slice (see _early_slice)."""
    shape = detect_shape(candidate.path, candidate.compression)
    start = candidate.start_offset if shape.format in ("jsonl", "proto-framed", "proto-framed-zstd") else 0
    if after is not None:
        if after.end is None:
            return []
        start = after.end
    if shape.format == "jsonl" and candidate.compression == "none":
        slices = _split(
            candidate.path,
            start,
            candidate.size,
            candidate.line_marks,
            slice_bytes(candidate.size - start, workers),
        )
    else:
        slices = [(start, None, 1)]
    first_chunk = after.chunk + 1 if after else 0
    return [
        Task(
            str(candidate.path.resolve()), candidate.file_id, first_chunk + i, s, e, line, shape, landing_day
        )
        for i, (s, e, line) in enumerate(slices)
    ]


def _early_slice(
    path: Path, size: int, manifest: Manifest, landing_day: str, workers: int, id_path: Path
) -> Task | None:
    """The first slice of a big JSON-lines file, to decode while the file is hashed: a share a little
    larger than even (EARLY_SLICE_SHARE). None when the file is not JSON lines, may continue a file
    landed before (then its new bytes start further on), or needs more slices than there are workers
    (the workers then take turns at equal slices: no room for one larger)."""
    if size > workers * MAX_SLICE_BYTES:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            if _landed_prefixes(manifest, head, hashlib.sha256(head).hexdigest(), size):
                return None
            shape = detect_shape(path, "none")
            if shape.format != "jsonl":
                return None
            end = _line_end_after(
                fh, min(math.ceil(size * EARLY_SLICE_SHARE / workers), MAX_SLICE_BYTES), size
            )
    except OSError:
        return None  # hashing it reports the error
    return Task(str(path.resolve()), ID_PENDING, 0, 0, end, 1, shape, landing_day, str(id_path))


def _land_candidates(
    settings: Settings,
    manifest: Manifest,
    pending: list[tuple[Path, os.stat_result]],
    staging_root: Path,
    workers: int | None,
    progress,
    report: LandingReport,
    run_id: str | None,
) -> None:
    if not pending:
        return
    landing_day = datetime.now(UTC).date().isoformat()
    workers = workers or default_workers(settings.landing_workers)
    by_id: dict[str, Candidate] = {}
    remaining: dict[str, int] = {}
    shapes: dict[str, FileShape] = {}
    partial: dict[str, list[dict[str, Any]]] = {}
    total_bytes = sum(stat.st_size for _, stat in pending)  # an estimate until every file is hashed
    done_bytes = 0
    # Small files share a task up to this many bytes: enough groups to keep every worker busy.
    group_bytes = min(GROUP_MAX_BYTES, max(total_bytes // (2 * workers), 1))

    def expect(candidate: Candidate, tasks: list[Task]) -> None:
        """Book a file's tasks: complete() publishes the file when the last of them is done."""
        fid = candidate.file_id
        by_id[fid], remaining[fid], shapes[fid], partial[fid] = candidate, len(tasks), tasks[0].shape, []

    def jobs_of(candidates: Iterable[Candidate]) -> Iterator[list[Task]]:
        """Tasks as workers take them: each slice of a big file alone, small whole files together."""
        group: list[Task] = []
        size = 0
        for candidate in candidates:
            tasks = _tasks_for(candidate, landing_day, workers)
            expect(candidate, tasks)
            if len(tasks) > 1 or candidate.size > GROUP_FILE_BYTES:
                yield from ([task] for task in tasks)
                continue
            group.append(tasks[0])
            size += candidate.size - candidate.start_offset
            if size >= group_bytes or len(group) >= GROUP_MAX_FILES:
                yield group
                group, size = [], 0
        if group:
            yield group

    def advance(name: str, size: int) -> None:
        nonlocal done_bytes
        done_bytes += size
        if progress:
            progress(name, done_bytes, max(total_bytes, done_bytes))

    def skipped(size: int) -> None:
        advance("", size)

    def complete(result: dict[str, Any]) -> None:
        files = result["files"]
        if len(files) == 1:  # one slice of a file: publish when its last slice is done
            fid = files[0]["file_id"]
            partial[fid].append(
                {
                    **files[0],
                    "moves": result["moves"],
                    "subjects": result["subjects"],
                    "bytes_written": result["bytes_written"],
                }
            )
            remaining[fid] -= 1
            if remaining[fid]:
                return
            results = partial.pop(fid)
            members = [(by_id.pop(fid), shapes.pop(fid), results)]
            moves = [tuple(m) for r in results for m in r["moves"]]
            subjects = [r["subjects"] for r in results]
            written = sum(r["bytes_written"] for r in results)
        else:  # small files decoded together: published together
            members = []
            for f in files:
                partial.pop(f["file_id"])
                members.append((by_id.pop(f["file_id"]), shapes.pop(f["file_id"]), [f]))
            moves, subjects, written = (
                [tuple(m) for m in result["moves"]],
                [result["subjects"]],
                result["bytes_written"],
            )
        for outcome in _publish_file(settings, manifest, members, moves, subjects, written, run_id, report):
            report.files.append(outcome)
        for candidate, _, _ in members:
            report.bytes_in += candidate.size - candidate.start_offset
            advance(candidate.path.name, candidate.size)

    candidates: Iterator[Candidate] = _identified(manifest, pending, report, skipped)
    jobs: Iterator[list[Task]] = jobs_of(candidates)
    backlog: list[list[Task]] = []
    in_process = workers <= 1
    if not in_process and len(pending) == 1 and _will_be_sliced(*pending[0]):
        # One big file. A pool one worker smaller starts at once and decodes the file's first slice
        # while this process hashes the file (the slice waits for the file's id before it writes);
        # then this process decodes a share of the other slices itself.
        path, stat = pending[0]
        staging_root.mkdir(parents=True, exist_ok=True)
        id_path = staging_root / f"{uuid.uuid4().hex}.file-id"
        early = _early_slice(path, stat.st_size, manifest, landing_day, workers, id_path)
        with process_pool(workers - 1) as pool:
            early_future = (
                pool.submit(process_task, [early], settings, staging_root) if early else pool.submit(_warm_up)
            )  # the worker's imports overlap the hashing all the same
            try:
                if early is None:
                    backlog = list(jobs)
                else:
                    for candidate in _identified(manifest, pending, report, skipped):  # one, or none
                        _announce_file_id(id_path, candidate.file_id)
                        rest = _tasks_for(candidate, landing_day, workers - 1, after=early)
                        expect(candidate, [early, *rest])
                        backlog = [[task] for task in rest]
            finally:
                if early and not id_path.exists():  # a duplicate, still growing, gone, or an error
                    _announce_file_id(id_path, "")
            share = workers if early is None else workers - 1  # the pool's other workers and this process
            futures = [
                pool.submit(process_task, job, settings, staging_root)
                for k, job in enumerate(backlog)
                if k % share
            ]
            for job in backlog[::share]:
                complete(process_task(job, settings, staging_root))
            if early:
                try:
                    complete(early_future.result())
                except FileWithdrawn:
                    pass
            for future in as_completed(futures):
                complete(future.result())
        return
    if not in_process and (total_bytes < POOL_MIN_BYTES or len(pending) == 1):  # is a pool worth starting?
        backlog = list(jobs)
        jobs = iter(())
        in_process = total_bytes < POOL_MIN_BYTES or len(backlog) <= 1
    if in_process:
        for job in chain(backlog, jobs):
            complete(process_task(job, settings, staging_root))
        return
    with process_pool(workers) as pool:
        in_flight = {pool.submit(process_task, job, settings, staging_root) for job in backlog}
        for job in jobs:
            in_flight.add(pool.submit(process_task, job, settings, staging_root))
            # Keep every worker busy with one task queued behind it; hash the next file meanwhile.
            while len(in_flight) >= 2 * workers:
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    complete(future.result())
        for future in as_completed(in_flight):
            complete(future.result())


def _will_be_sliced(path: Path, stat: os.stat_result) -> bool:
    """Whether a file is plain and big enough to be cut into slices (see _tasks_for), from its size and
    first bytes, before it is hashed."""
    if stat.st_size <= MIN_SLICE_BYTES:
        return False
    try:
        with open(path, "rb") as fh:
            return sniff(fh.read(8)) == "none"
    except OSError:
        return False


def _warm_up() -> bool:
    """A fresh worker's first task, while the main process hashes: importing this module is the point."""
    return native.available()


def _merged_result(
    candidate: Candidate,
    shape: FileShape,
    results: list[dict[str, Any]],
    bytes_written: int,
    run_id: str | None,
) -> dict[str, Any]:
    """One input file's manifest row from the results of its slices."""
    results.sort(key=lambda r: r["chunk"])
    rows: dict[str, int] = {}
    days: dict[str, set[str]] = {}
    for r in results:
        for table, n in r["rows"].items():
            rows[table] = rows.get(table, 0) + n
        for table, ds in r["days"].items():
            days.setdefault(table, set()).update(ds)
    merged = {
        "file_id": candidate.file_id,
        "path": str(candidate.path.resolve()),
        "size_bytes": candidate.size,
        "mtime_ns": candidate.mtime_ns,
        "head_sha256": candidate.head_sha256,
        "compression": shape.compression,
        "format": shape.format,
        "signal": ",".join(sorted({s for r in results for s in r["signals"]})) or None,
        "base_file_id": candidate.base_file_id,
        "start_offset": candidate.start_offset,
        "units_in": sum(r["units_in"] for r in results),
        "records_in": sum(r["records_in"] for r in results),
        "records_landed": sum(r["records_landed"] for r in results),
        "records_quarantined": sum(r["records_quarantined"] for r in results),
        "records_suppressed": sum(r["records_suppressed"] for r in results),
        "rows": rows,
        "days": {t: sorted(d) for t, d in days.items()},
        "bytes_written": bytes_written,
        "seconds": round(sum(r["seconds"] for r in results), 3),
        "landed_at": datetime.now(UTC).isoformat(),
        "run_id": run_id,
    }
    if merged["records_in"] != (
        merged["records_landed"] + merged["records_quarantined"] + merged["records_suppressed"]
    ):
        raise AssertionError(f"{candidate.path}: records do not reconcile: {merged}")
    return merged


def _publish_file(
    settings: Settings,
    manifest: Manifest,
    members: list[tuple[Candidate, FileShape, list[dict[str, Any]]]],
    moves: list[tuple[str, str]],
    subjects: list[dict[str, list[str]]],
    bytes_written: int,
    run_id: str | None,
    report: LandingReport,
) -> list[FileOutcome]:
    """Publish the outputs of one input file, or of small files landed together, in one journalled
    step: all of them are landed, or (after a crash) rolled forward together."""
    new_bytes = [candidate.size - candidate.start_offset for candidate, _, _ in members]
    shares = [bytes_written * n // max(sum(new_bytes), 1) for n in new_bytes]  # output bytes, by input share
    shares[0] += bytes_written - sum(shares)
    merged = [
        _merged_result(candidate, shape, results, share, run_id)
        for (candidate, shape, results), share in zip(members, shares, strict=True)
    ]
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        index.add({path: hashes for s in subjects for path, hashes in s.items()})
    manifest.begin_publish(merged, moves)
    publish(moves)
    manifest.finish_publish(merged)
    report.bytes_written += bytes_written
    outcomes = []
    for (candidate, shape, results), result in zip(members, merged, strict=True):
        for table, ds in result["days"].items():
            report.days[table] = sorted(set(report.days.get(table, [])) | set(ds))
        for r in results:
            report.quarantine_examples.extend(f"{candidate.path.name} {e}" for e in r["quarantine_examples"])
        outcomes.append(
            FileOutcome(
                result["path"],
                "appended" if candidate.base_file_id else "landed",
                candidate.file_id,
                result["records_in"],
                result["records_landed"],
                result["records_quarantined"],
                result["rows"],
                shape.format + {"gzip": ".gz", "zstd": ".zst"}.get(shape.compression, ""),
                detail=f"new bytes after {candidate.start_offset}" if candidate.base_file_id else None,
                records_suppressed=result["records_suppressed"],
            )
        )
    return outcomes
