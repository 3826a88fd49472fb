"""Rewriting one Parquet file without some rows: read, filter, write beside it, fsync, rename.

A reader (or a killed process) sees either the old file or the new one, never half of one. A file
left with no rows is removed. Files are read with `ParquetFile` (not as a dataset) so the hive
`date=` folder never turns into a column.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.lake.writer import fsync_dir, write_table_atomically

SUBJECT_COLUMNS = ("user_hash", "session_hash")


@dataclass
class SubjectMatch:
    """Whose rows go: subject hashes (user and session), their traces, optionally one tenant."""

    hashes: frozenset[str]
    traces: frozenset[str] = frozenset()
    tenant_id: str | None = None
    text_hashes: frozenset[str] = frozenset()  # hashes searched inside attribute JSON too (user ids)
    raw_ids: tuple[str, ...] = ()  # raw ids, only known while the CLI handles the request
    token_hasher: Callable[[str], str] | None = None  # HMAC of quoted strings in quarantine excerpts

    def mask(self, table: pa.Table) -> pa.ChunkedArray | pa.Array:
        names = table.column_names
        hashes = pa.array(sorted(self.hashes), pa.string())
        hit = pa.array([False] * table.num_rows)
        for column in SUBJECT_COLUMNS:
            if column in names:
                hit = pc.or_(hit, pc.fill_null(pc.is_in(table[column], value_set=hashes), False))
        if self.traces and "trace_id" in names:
            trace_hit = pc.fill_null(
                pc.is_in(table["trace_id"], value_set=pa.array(sorted(self.traces))), False
            )
            if any(c in names for c in SUBJECT_COLUMNS):
                # a trace of the subject: rows without a subject of their own (or of this subject)
                no_other = pa.array([True] * table.num_rows)
                for column in SUBJECT_COLUMNS:
                    if column in names:
                        no_other = pc.and_(
                            no_other,
                            pc.or_(pc.is_null(table[column]), pc.is_in(table[column], value_set=hashes)),
                        )
                trace_hit = pc.and_(trace_hit, no_other)
            hit = pc.or_(hit, trace_hit)
        for column in ("attributes", "resource_attributes", "raw_excerpt"):
            if column not in names:
                continue
            for needle in (*self.text_hashes, *self.raw_ids):
                hit = pc.or_(hit, pc.fill_null(pc.match_substring(table[column], needle), False))
        if self.token_hasher is not None and "raw_excerpt" in names:
            hit = pc.or_(
                hit,
                pa.array(
                    _excerpt_hits(table["raw_excerpt"].to_pylist(), self.token_hasher, self.hashes),
                    pa.bool_(),
                ),
            )
        if self.tenant_id is not None and "tenant_id" in names:
            tenant = table["tenant_id"]
            hit = pc.and_(
                hit, pc.or_(pc.is_null(tenant), pc.fill_null(pc.equal(tenant, self.tenant_id), False))
            )
        return hit


_QUOTED = re.compile(r'"((?:[^"\\]|\\.){1,512})"')


def _excerpt_hits(
    excerpts: list[str | None], hasher: Callable[[str], str], hashes: frozenset[str]
) -> list[bool]:
    """A quarantined excerpt holds raw input: hash every quoted string and look for the subject."""
    out = []
    for text in excerpts:
        found = False
        if text:
            for token in set(_QUOTED.findall(text)):
                if hasher(token) in hashes:
                    found = True
                    break
        out.append(found)
    return out


def read_file(path: Path, columns: Iterable[str] | None = None) -> pa.Table:
    pf = pq.ParquetFile(path)
    if columns is not None:
        wanted = [c for c in columns if c in pf.schema_arrow.names]
        return pf.read(columns=wanted)
    return pf.read()


@dataclass
class Discovery:
    sessions: set[str] = field(default_factory=set)
    traces: set[str] = field(default_factory=set)


def discover(path: Path, user_hashes: frozenset[str], tenant_id: str | None) -> Discovery:
    """Sessions and traces of the subject's rows in one file (read-only, few columns)."""
    found = Discovery()
    if not path.exists():
        return found
    table = read_file(path, ("user_hash", "session_hash", "trace_id", "tenant_id"))
    if "user_hash" not in table.column_names:
        return found
    mask = pc.fill_null(
        pc.is_in(table["user_hash"], value_set=pa.array(sorted(user_hashes), pa.string())), False
    )
    if tenant_id is not None and "tenant_id" in table.column_names:
        mask = pc.and_(
            mask,
            pc.or_(
                pc.is_null(table["tenant_id"]), pc.fill_null(pc.equal(table["tenant_id"], tenant_id), False)
            ),
        )
    rows = table.filter(mask)
    if "session_hash" in rows.column_names:
        found.sessions.update(v for v in pc.unique(rows["session_hash"]).to_pylist() if v)
    if "trace_id" in rows.column_names:
        found.traces.update(v for v in pc.unique(rows["trace_id"]).to_pylist() if v and set(v) != {"0"})
    return found


def count_matches(path: Path, match: SubjectMatch) -> int:
    if not path.exists():
        return 0
    table = read_file(path)
    return int(pc.sum(pc.cast(match.mask(table), pa.int64())).as_py() or 0)


def rewrite_without(path: Path, match: SubjectMatch) -> int:
    """Remove the matching rows; returns how many went (0: the file is left untouched)."""
    if not path.exists():
        return 0
    table = read_file(path)
    mask = match.mask(table)
    removed = int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
    if removed:
        replace_rows(path, table.filter(pc.invert(mask)), table.schema)
    return removed


def replace_rows(path: Path, kept: pa.Table, schema: pa.Schema) -> None:
    """Publish `kept` as the new content of `path` (atomically), or remove the file when empty."""
    if kept.num_rows == 0:
        path.unlink(missing_ok=True)
        fsync_dir(path.parent)
    else:
        write_table_atomically(kept.cast(schema), path)


def remove_partition(folder: Path) -> int:
    """Remove every Parquet file of a date folder, then the folder; returns the files removed."""
    removed = 0
    for file in sorted(folder.glob("*.parquet")):
        file.unlink(missing_ok=True)
        removed += 1
    for leftover in folder.glob(".*.tmp"):  # an interrupted atomic write's temporary file
        leftover.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # already gone, or not empty: leave it
        folder.rmdir()
    fsync_dir(folder.parent)
    return removed


def parquet_rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else 0


def sweep_temporaries(root: Path) -> None:
    """Temporary files of atomic writes a killed process left behind (never published)."""
    if root.exists():
        for tmp in root.rglob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()


__all__ = [
    "Discovery",
    "SubjectMatch",
    "count_matches",
    "discover",
    "parquet_rows",
    "read_file",
    "remove_partition",
    "replace_rows",
    "rewrite_without",
    "sweep_temporaries",
]
