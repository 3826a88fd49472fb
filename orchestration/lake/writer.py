"""Atomic Parquet writing: rows go to a task's staging folder, then are published by rename.

Staging lives inside the lake folder (same filesystem), so publishing is a cheap atomic rename and
a reader never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.lake.schema import (
    LAKE_TABLES,
    QUARANTINE,
    RESTRICTED_CONTENT,
    conform_table,
    dictionary_columns,
    statistics_columns,
)

EPOCH = date(1970, 1, 1)
SUBJECT_COLUMNS = ("user_hash", "session_hash")
# Row groups of 128 Ki rows: about DuckDB's own (122,880), and what a compaction holds in memory
# (256 Ki rows of spans took a compaction past 1 GiB).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "row_group_size": 128 * 1024}
# Landing writes zstd level 1: 35% less CPU than level 3 for files 3% larger (measured on generated
# spans); compaction, which merges the small files, writes level 3.
LANDING_OPTIONS = {**PARQUET_OPTIONS, "compression_level": 1}
# Compaction merges in worker processes while the landing process is still alive: 64 Ki-row groups keep a
# worker near 460 MiB instead of 550 (the 10M-span backlog's peak, under 1 GiB for the whole tree).
COMPACTION_ROW_GROUP = 64 * 1024


def writer_options(schema: pa.Schema, options: dict[str, Any] = PARQUET_OPTIONS) -> dict[str, Any]:
    """`options` for a ParquetWriter of `schema` (row group size is given per write): dictionary
    encoding where values repeat, statistics where they prune (see schema.py)."""
    return {
        **{k: v for k, v in options.items() if k != "row_group_size"},
        "use_dictionary": dictionary_columns(schema),
        "write_statistics": statistics_columns(schema),
    }


# Arrow metadata naming the landed files (stems) whose rows a lake file holds, when it is not only its
# own name: a compacted file, or the output of one task that landed several small files together.
SOURCES_KEY = b"spanledger.sources"
# Zero-row file per table so readers' globs never come up empty on a fresh lake.
SCHEMA_FILE = Path("date=1970-01-01") / "_schema.parquet"


def day_string(day: int) -> str:
    return (EPOCH + timedelta(days=day)).isoformat()


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_table_atomically(table: pa.Table, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(
            table, tmp, row_group_size=PARQUET_OPTIONS["row_group_size"], **writer_options(table.schema)
        )
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(final.parent)


def write_conformed(
    sources: list[Path],
    schema: pa.Schema,
    out: Path,
    constants: dict[str, object] | None = None,
    row_group: int = PARQUET_OPTIONS["row_group_size"],
) -> int:
    """Stream the rows of Parquet files into `out` in `schema` (see conform_table), fsynced; returns the
    rows written. Memory holds one row group, whatever the sources' size. On failure `out` is removed."""
    options = writer_options(schema)
    buffered: list[pa.Table] = []
    pending = written = 0
    try:
        with pq.ParquetWriter(out, schema, **options) as writer:
            for path in sources:
                for batch in pq.ParquetFile(path).iter_batches(batch_size=64 * 1024):
                    buffered.append(conform_table(pa.Table.from_batches([batch]), schema, constants))
                    pending += batch.num_rows
                    if pending >= row_group:
                        writer.write_table(pa.concat_tables(buffered), row_group_size=row_group)
                        written, buffered, pending = written + pending, [], 0
            if buffered:
                writer.write_table(pa.concat_tables(buffered), row_group_size=row_group)
                written += pending
        with open(out, "rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return written


def ensure_schema_files(lake_dir: Path) -> None:
    for table, schema in LAKE_TABLES.items():
        target = lake_dir / table / SCHEMA_FILE
        if not target.exists():
            write_table_atomically(schema.empty_table(), target)


class StagedWriter:
    """Collects one landing task's output: lake tables by event day, quarantine and restricted content."""

    def __init__(
        self,
        staging_dir: Path,
        output_stem: str,
        data_dir: Path,
        landing_day: str,
        sources: list[str] | None = None,
    ):
        self.staging_dir = staging_dir
        self.stem = output_stem
        # several input files in one output: name them all (see SOURCES_KEY)
        self._metadata = (
            {SOURCES_KEY: json.dumps(sources).encode()} if sources and sources != [output_stem] else None
        )
        self.data_dir = data_dir
        self.landing_day = landing_day
        self._writers: dict[tuple[str, str], pq.ParquetWriter] = {}
        self._targets: dict[tuple[str, str], Path] = {}
        # Whose data each output file holds: lets erasure rewrite only the files of one subject.
        self.subjects: dict[tuple[str, str], set[str]] = defaultdict(set)

    def _final_path(self, table: str, day: str) -> Path:
        if table == "quarantine":
            return self.data_dir / "quarantine" / f"date={day}" / f"{self.stem}.parquet"
        if table == "restricted_content":
            return self.data_dir / "restricted" / "content" / f"date={day}" / f"{self.stem}.parquet"
        return self.data_dir / "lake" / table / f"date={day}" / f"{self.stem}.parquet"

    def _writer(self, table: str, day: str, schema: pa.Schema) -> pq.ParquetWriter:
        key = (table, day)
        writer = self._writers.get(key)
        if writer is None:
            path = self.staging_dir / table / f"date={day}" / f"{self.stem}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            if self._metadata:
                schema = schema.with_metadata(self._metadata)
            writer = pq.ParquetWriter(path, schema, **writer_options(schema, LANDING_OPTIONS))
            self._writers[key] = writer
            self._targets[key] = path
        return writer

    def write_rows(
        self, table: str, rows: list[dict[str, Any]], schema: pa.Schema | None = None
    ) -> list[tuple[dict[str, Any], str]]:
        """Write rows; return those Arrow cannot take (a decoder gap), with the reason, for quarantine."""
        if not rows:
            return []
        schema = schema or LAKE_TABLES[table]
        rejected: list[tuple[dict[str, Any], str]] = []
        by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_day[row["_day"]].append(row)
        for day_number, day_rows in sorted(by_day.items()):
            try:
                arrow = rows_to_table(day_rows, schema=schema)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                day_rows, bad = _split_convertible(day_rows, schema)
                rejected.extend(bad)
                if not day_rows:
                    continue
                arrow = rows_to_table(day_rows, schema=schema)
            self._write_day(table, day_number, arrow, schema)
        return rejected

    def write_arrow(self, table: str, arrow: pa.Table) -> dict[int, int]:
        """Rows already in Arrow (the native decoder's), with a `_day` column, in the table's schema;
        returns the rows written by day number."""
        schema = LAKE_TABLES[table]
        days = arrow["_day"]
        rows_by_day = {c["values"]: c["counts"] for c in pc.value_counts(days).to_pylist()}
        for day_number in sorted(rows_by_day):
            day_rows = (
                arrow
                if len(rows_by_day) == 1
                else arrow.filter(pc.equal(days, pa.scalar(day_number, pa.int32())))
            )
            self._write_day(table, day_number, day_rows.select(schema.names), schema)
        return rows_by_day

    def _write_day(self, table: str, day_number: int, arrow: pa.Table, schema: pa.Schema) -> None:
        day = day_string(day_number)
        self._writer(table, day, schema).write_table(arrow, row_group_size=PARQUET_OPTIONS["row_group_size"])
        for column in SUBJECT_COLUMNS:
            if column in arrow.column_names:
                self.subjects[(table, day)].update(v for v in pc.unique(arrow[column]).to_pylist() if v)

    def write_content(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        return self.write_rows("restricted_content", rows, RESTRICTED_CONTENT)

    def write_quarantine(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        for row in rows:
            row["_day"] = (date.fromisoformat(self.landing_day) - EPOCH).days
        return self.write_rows("quarantine", rows, QUARANTINE)

    def subject_index(self) -> dict[str, list[str]]:
        """Final path → the subject hashes (user and session) its rows carry."""
        return {
            str(self._final_path(*key)): sorted(hashes) for key, hashes in self.subjects.items() if hashes
        }

    def close(self) -> list[tuple[str, str]]:
        """Finish every file (fsync'd) and return the (staging, final) moves that publish them."""
        moves = []
        for key, writer in self._writers.items():
            writer.close()
            staged = self._targets[key]
            with open(staged, "rb+") as fh:
                os.fsync(fh.fileno())
            moves.append((str(staged), str(self._final_path(*key))))
        self._writers.clear()
        return moves

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):  # best effort while already failing
                writer.close()
        self._writers.clear()


def rows_to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows → Arrow in one C-level pass: the rows are read as one struct array (a dict lookup per
    field; extra keys such as `_day` are ignored) whose children become the table's columns. About
    1.5x faster than a Python transpose then one conversion per column, with the same per-value
    conversion rules."""
    try:
        return pa.Table.from_struct_array(pa.array(rows, type=pa.struct(schema)))
    except Exception:  # noqa: BLE001 - the column path below raises the error callers expect
        pass
    # Column by column (row-major gets, then a C-level transpose): the reference path, and the one
    # whose error messages end up in quarantine reasons.
    names = schema.names
    columns = (
        list(zip(*[tuple(map(row.get, names)) for row in rows], strict=True)) if rows else [()] * len(names)
    )
    return pa.Table.from_arrays(
        [pa.array(column, type=field.type) for column, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def _split_convertible(rows: list[dict[str, Any]], schema: pa.Schema):
    good, bad = [], []
    for row in rows:
        try:
            rows_to_table([row], schema=schema)
            good.append(row)
        except (pa.ArrowException, TypeError, ValueError, OverflowError) as err:
            bad.append((row, f"{type(err).__name__}: {err}"))
    return good, bad


def publish(moves: list[tuple[str, str]]) -> None:
    """Idempotent: a move whose staging file is gone was done by an earlier, interrupted attempt."""
    parents = set()
    for staged, final in moves:
        final_path = Path(final)
        if os.path.exists(staged):
            final_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final_path)
            parents.add(final_path.parent)
        elif not final_path.exists():
            raise FileNotFoundError(f"neither staged {staged} nor published {final} exists")
    for parent in parents:
        fsync_dir(parent)
