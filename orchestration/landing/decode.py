"""The decode task, run in worker processes: one range of a file, or several small whole files, into
Parquet in a staging folder (published later by the landing process, see publish.py)."""

from __future__ import annotations

import gc
import hashlib
import os
import time
import traceback
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa

from orchestration.lake.export_requests import Batch, count_records, detect_signal
from orchestration.lake.normalize import Normalizer
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.lake.schema import LAKE_TABLES
from orchestration.lake.suppression import (
    drop_suppressed,
    drop_suppressed_arrow,
    drop_suppressed_quarantine,
    load_suppression,
)
from orchestration.lake.writer import StagedWriter, day_string
from orchestration.landing.early import ID_PENDING, FileWithdrawn, await_file_id
from orchestration.landing.identity import HEAD_BYTES, ChangedWhileRead
from orchestration.landing.slicing import Task
from orchestration.landing.tally import RECORD_TABLES, Tally, quarantine_row, redacted_excerpt
from orchestration.native import decoder as native
from orchestration.otlp.reader import open_range
from orchestration.otlp.repair import has_replacement
from orchestration.otlp.units import LineBlock, Unit, json_unit
from orchestration.settings import Settings

FLUSH_ROWS = 25_000  # rows a task buffers before writing them (a worker peaks near 350 MiB; 50k: 475)
# Rows of the native decoder are Arrow already (~1.5 KiB a span): a task buffers more of them, which
# also makes fewer, larger row groups.
FLUSH_ARROW_ROWS = 100_000
# Protobuf messages wait until this many bytes of them go to the native decoder in one call (a call
# builds its Arrow tables once: per message, that would cost more than decoding it).
NATIVE_MESSAGE_BYTES = 4 << 20


def process_task(tasks: list[Task], settings: Settings, staging_root: Path) -> dict[str, Any]:
    """Decode one range of a file, or several small whole files into one set of outputs (a backlog of
    small files then costs one Parquet file per table and date, not one per input file)."""
    # Batches hold ~10^7 small acyclic objects; the cyclic collector would walk them all over and over
    # (measured: JSON parsing 5x slower). Reference counting frees them; collect once per batch instead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _TaskRun(tasks, settings, staging_root).run()
    except ChangedWhileRead as err:
        return {"withdrawn": [task.file_id for task in tasks], "reason": str(err)}
    finally:
        if gc_was_enabled:
            gc.enable()


def output_stem(task: Task) -> str:
    return f"{task.file_id[:24]}-{task.chunk:03d}"


def _with_file_id(arrow: pa.Table, file_id: str) -> pa.Table:
    """Rows the native decoder took before their file's id was known, given it."""
    i = arrow.schema.get_field_index("source_file_id")
    return arrow.set_column(i, arrow.schema.field(i), native.file_id_column(file_id, arrow.num_rows))


def open_checked(task: Task) -> BinaryIO:
    """The task's file, checked to be the one that was listed and hashed (same inode, same first bytes,
    not shorter): every read of the task goes through this one descriptor, so a rename meanwhile does not
    matter, and a replaced or truncated file is withdrawn rather than read under the old id."""
    fh = open(task.path, "rb")  # noqa: SIM115 - closed by the caller
    try:
        stat = os.fstat(fh.fileno())
        if task.inode is not None and stat.st_ino != task.inode:
            raise ChangedWhileRead("it was replaced after it was listed")
        if stat.st_size < task.end:
            raise ChangedWhileRead("it shrank after it was listed")
        if task.head_sha256 is not None:
            head = fh.read(min(HEAD_BYTES, task.end))
            if hashlib.sha256(head).hexdigest() != task.head_sha256:
                raise ChangedWhileRead("its first bytes changed after it was hashed")
    except BaseException:
        fh.close()
        raise
    return fh


class _TaskRun:
    """One task's state: its writer (created when the first rows are written), its batch, its tallies."""

    def __init__(self, tasks: list[Task], settings: Settings, staging_root: Path):
        self.settings, self.staging_root, self.tasks = settings, staging_root, tasks
        self.first = tasks[0]
        self.attribute_filter = AttributeFilter(
            SubjectHasher(settings.hmac_key),
            keep_content=settings.store_content,
            hash_sessions=settings.hash_session_ids,
            max_value_chars=settings.max_attribute_bytes,
            extra_user_keys=settings.extra_user_id_keys,
        )
        self.normalizer = Normalizer(
            self.attribute_filter,
            self.first.file_id,
            settings.content_ttl_days,
            {table: schema.names for table, schema in LAKE_TABLES.items()},
        )
        self.writer: StagedWriter | None = None
        self.tallies = {task.file_id: Tally(task) for task in tasks}
        self.batch = Batch()
        self.quarantine: list[dict[str, Any]] = []
        self.suppressed = load_suppression(settings)
        # with content capture on, units holding content to keep take the Python path (the decoder refuses them)
        self.native_decoder = native.NativeDecoder(self.attribute_filter) if native.available() else None
        self.messages: list[Unit] = []  # protobuf messages waiting for the native decoder, of one file:
        self.messages_of: Tally | None = None  # this one
        self.message_bytes = 0

    # --- writing ----------------------------------------------------------------------------------
    def writer_ready(self) -> StagedWriter:
        """The task's writer. An early slice first waits for its file's id, which its rows so far lack."""
        if self.writer is None:
            first = self.first
            if first.file_id == ID_PENDING:
                file_id = await_file_id(Path(first.file_id_path or ""))
                tally = self.tallies.pop(ID_PENDING)
                first = self.first = tally.task = replace(first, file_id=file_id, file_id_path=None)
                self.tasks, self.tallies[file_id], self.normalizer.file_id = [first], tally, file_id
                self.batch.arrow = [(t, file_id, _with_file_id(a, file_id)) for t, _, a in self.batch.arrow]
            stem = output_stem(first)
            self.writer = StagedWriter(
                self.staging_root / f"{stem}-{uuid.uuid4().hex[:8]}",
                stem,
                self.settings.data_dir,
                first.landing_day,
                sources=[output_stem(t) for t in self.tasks],
            )
        return self.writer

    def set_aside(
        self, tally: Tally, location: str, field_name: str, reason: str, records: int | None, raw, signal,
        size: int = 0,
    ) -> None:  # fmt: skip
        """Quarantine what could not land: `records` counted, or None and `size` bytes when uncountable."""
        self.quarantine.append(
            quarantine_row(tally.task, location, field_name, reason, records, raw, signal, size)
        )
        if records is None:
            tally.units_unreadable += 1
            tally.bytes_unreadable += size
        else:
            tally.records_quarantined += records
        if len(tally.quarantine_examples) < 3:
            tally.quarantine_examples.append(f"{location}: {field_name}: {reason}")

    def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        writer = self.writer_ready()
        if table == "quarantine":
            rejected = writer.write_quarantine(rows)
        elif table == "restricted_content":
            rejected = writer.write_content(rows)
        else:
            rejected = writer.write_rows(table, rows)
        if rejected:
            refused = {id(row) for row, _ in rejected}
            rows = [row for row in rows if id(row) not in refused]
        # per input file: a count and the distinct days (formatted once each, not once a row)
        for file_id, n in Counter(row["source_file_id"] for row in rows).items():
            self.tallies[file_id].rows[table] += n
        for file_id, day in {(row["source_file_id"], row["_day"]) for row in rows}:
            self.tallies[file_id].days.setdefault(table, set()).add(day_string(day))
        for row, reason in rejected if table != "quarantine" else ():
            # Safety net: a value the decoder let through but Parquet cannot hold is quarantined.
            # The record was counted in when it was decoded; it is quarantined instead of landed.
            tally = self.tallies.get(row.get("source_file_id"), self.tallies[self.first.file_id])
            records = 1 if table in RECORD_TABLES else 0
            self.set_aside(tally, row.get("source_offset") or "", "row",
                           f"cannot be stored in {table}: {reason[:300]}", records, None, table)  # fmt: skip

    def write_arrow(self, table: str, file_id: str, arrow: pa.Table) -> None:
        tally = self.tallies[file_id]
        if self.suppressed:
            arrow, dropped = drop_suppressed_arrow(arrow, self.suppressed)
            if table in RECORD_TABLES:
                tally.records_suppressed += dropped
        for day, n in self.writer_ready().write_arrow(table, arrow).items():
            tally.rows[table] += n
            tally.days.setdefault(table, set()).add(day_string(day))

    def flush(self) -> None:
        self.writer_ready()  # an early slice learns its file's id here
        self.decode_messages_natively()
        batch = self.batch
        if self.suppressed:
            for file_id, n in drop_suppressed(batch, self.suppressed, RECORD_TABLES).items():
                self.tallies[file_id].records_suppressed += n
        for table, rows in batch.rows.items():
            self.write(table, rows)
        blocks: dict[tuple[str, str], list[pa.Table]] = {}
        for table, file_id, arrow in batch.arrow:
            blocks.setdefault((table, file_id), []).append(arrow)
        for (table, file_id), arrows in blocks.items():  # one write, so one row group, per table
            self.write_arrow(table, file_id, pa.concat_tables(arrows))
        self.write("restricted_content", batch.content)
        self.batch = Batch()
        gc.collect(0)

    # --- decoding ---------------------------------------------------------------------------------
    def decode(self, tally: Tally, unit: Unit) -> None:
        self.writer_ready()  # rows and quarantine entries of the Python path carry the file id at once
        if unit.body is not None and self.native_decoder is not None:
            if self.messages_of is not tally:
                self.decode_messages_natively()
                self.messages_of = tally
            self.messages.append(unit)
            self.message_bytes += len(unit.body)
            if self.message_bytes >= NATIVE_MESSAGE_BYTES:
                self.decode_messages_natively()
            return
        self.decode_in_python(tally, unit)

    def decode_in_python(self, tally: Tally, unit: Unit) -> None:
        tally.units_in += 1
        request = unit.json_request() or {}  # a protobuf body is parsed here, and may prove unreadable
        if unit.error is not None:
            field_name = unit.error_field or "file"
            self.set_aside(tally, unit.location, field_name, unit.error, None, unit.raw, None, unit.size)
            return
        signal = unit.signal or detect_signal(request)
        if signal is None:
            keys = ", ".join(sorted(request)[:8])
            reason = f"unknown convention: no resourceSpans, resourceLogs or resourceMetrics (keys: {keys})"
            raw = orjson.dumps(request)
            self.set_aside(tally, unit.location, "request", reason, None, raw, None, unit.size or len(raw))
            return
        tally.signals.add(signal)
        batch = self.batch
        marks = {table: len(rows) for table, rows in batch.rows.items()}
        try:
            getattr(self.normalizer, signal)(request, unit.location, batch)
        except Exception as err:  # noqa: BLE001 - a decoder bug must not sink the run; it is quarantined
            for table, n in marks.items():  # nothing of the request lands: all of it is quarantined
                del batch.rows[table][n:]
            batch.quarantined.clear()
            batch.records_in = 0
            records = count_records(request, signal)
            tally.records_in += records
            reason = f"internal decoder error {type(err).__name__}: {err}"
            self.set_aside(tally, unit.location, "request", reason, records, orjson.dumps(request), signal)
            traceback.print_exc()
            return
        for q in batch.quarantined:
            raw = redacted_excerpt(q.raw if isinstance(q.raw, bytes) else None)
            self.set_aside(tally, q.location, q.field, q.reason, q.records, raw, signal)
        batch.quarantined.clear()
        tally.records_in += batch.records_in
        batch.records_in = 0
        if unit.repaired:  # invalid text inside a value was replaced: flag the rows that hold it
            for table, n in marks.items():
                for row in batch.rows[table][n:]:
                    if has_replacement(row):
                        row["attributes_repaired"] = True

    def decode_natively(self, tally: Tally, block: LineBlock) -> None:
        """JSON lines through the native decoder; the lines it refuses through `decode`."""
        assert self.native_decoder is not None
        decoded = self.native_decoder.decode_lines(block.data, block.first_line, tally.task.file_id)
        tally.units_in += decoded.units
        tally.records_in += decoded.records
        tally.signals |= decoded.signals
        for table, arrow in decoded.tables.items():
            self.batch.arrow.append((table, tally.task.file_id, arrow))
        for line, start, end, _ in decoded.refused:
            self.decode(tally, json_unit(bytes(block.data[start:end]), f"line {line}", end - start))

    def decode_messages_natively(self) -> None:
        """The protobuf messages waiting through the native decoder; those it refuses through the Python path."""
        units, tally, self.messages, self.message_bytes = self.messages, self.messages_of, [], 0
        if not units:
            return
        assert self.native_decoder is not None and tally is not None
        bounds, start = [], 0
        for unit in units:
            bounds.append((start, start + len(unit.body or b"")))
            start = bounds[-1][1]
        data = b"".join(unit.body or b"" for unit in units)
        locations = [unit.location for unit in units]
        decoded = self.native_decoder.decode_messages(data, bounds, locations, tally.task.file_id)
        tally.units_in += decoded.units
        tally.records_in += decoded.records
        tally.signals |= decoded.signals
        for table, arrow in decoded.tables.items():
            self.batch.arrow.append((table, tally.task.file_id, arrow))
        for index, _ in decoded.refused:
            self.decode_in_python(tally, units[index])

    def decode_block_in_python(self, tally: Tally, block: LineBlock) -> None:
        from orchestration.otlp.lines import units_of_block

        for unit in units_of_block(block):
            self.decode(tally, unit)

    def run(self) -> dict[str, Any]:
        settings = self.settings
        try:
            for task in list(self.tasks):
                started = time.perf_counter()
                tally = self.tallies[task.file_id]
                self.normalizer.file_id = task.file_id
                with open_checked(task) as fh:
                    reader = open_range(fh, task.shape, task.start, task.end, last=task.last, final=task.final,
                                        max_record=settings.max_record_bytes)  # fmt: skip
                    for item in reader:
                        if isinstance(item, LineBlock):
                            if self.native_decoder is not None:
                                self.decode_natively(tally, item)
                            else:
                                self.decode_block_in_python(tally, item)
                        else:
                            self.decode(tally, item)
                        if (
                            self.batch.row_count() >= FLUSH_ROWS
                            or self.batch.arrow_rows() >= FLUSH_ARROW_ROWS
                        ):
                            self.flush()
                self.decode_messages_natively()
                if task.last:
                    tally.resume, tally.pending_bytes = reader.resume, reader.pending_bytes
                tally.seconds += time.perf_counter() - started
            self.flush()
            if self.suppressed:  # quarantined records naming an erased person or trace are suppressed
                for file_id, n in drop_suppressed_quarantine(self.quarantine, self.suppressed).items():
                    self.tallies[file_id].records_quarantined -= n
                    self.tallies[file_id].records_suppressed += n
            self.write("quarantine", self.quarantine)
            moves = self.writer_ready().close()
        except BaseException:
            if self.writer is not None:
                self.writer.abort()
            raise
        return {
            "moves": moves,
            "subjects": self.writer_ready().subject_index(),
            "bytes_written": sum(os.path.getsize(s) for s, _ in moves),
            "files": [tally.result() for tally in self.tallies.values()],
        }


__all__ = ["FileWithdrawn", "output_stem", "process_task"]
