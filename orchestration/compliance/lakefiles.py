"""Rewriting one Parquet file without some rows: read, filter, write beside it, fsync, rename.

A reader (or a killed process) sees either the old file or the new one, never half of one. A file
left with no rows is removed. Files are read with `ParquetFile` (not as a dataset) so the hive
`date=` folder never turns into a column.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.lake.suppression import without_exemplars
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
    excerpt_names: Callable[[str], bool] | None = None  # does a quarantined excerpt quote a listed id?

    def mask(self, table: pa.Table) -> pa.ChunkedArray | pa.Array:
        names = table.column_names
        hashes = pa.array(sorted(self.hashes), pa.string())
        hit = pa.array([False] * table.num_rows)
        for column in SUBJECT_COLUMNS:
            if column in names:
                hit = pc.or_(hit, pc.fill_null(pc.is_in(table[column], value_set=hashes), False))
        if self.traces and "trace_id" in names:
            trace_hit = pc.fill_null(
                pc.is_in(table["trace_id"], value_set=pa.array(sorted(self.traces), pa.string())), False
            )
            if "user_hash" in names:  # a trace of the subject: its rows without another user's id
                user = table["user_hash"]
                trace_hit = pc.and_(
                    trace_hit, pc.or_(pc.is_null(user), pc.fill_null(pc.is_in(user, value_set=hashes), False))
                )
            hit = pc.or_(hit, trace_hit)
        for column in ("attributes", "resource_attributes", "raw_excerpt"):
            if column not in names:
                continue
            for needle in (*self.text_hashes, *self.raw_ids):
                hit = pc.or_(hit, pc.fill_null(pc.match_substring(table[column], needle), False))
        if self.excerpt_names is not None and "raw_excerpt" in names:
            named = [bool(text) and self.excerpt_names(text) for text in table["raw_excerpt"].to_pylist()]
            hit = pc.or_(hit, pa.array(named, pa.bool_()))
        if self.tenant_id is not None and "tenant_id" in names:
            tenant = table["tenant_id"]
            hit = pc.and_(
                hit, pc.or_(pc.is_null(tenant), pc.fill_null(pc.equal(tenant, self.tenant_id), False))
            )
        return hit


def redact(table: pa.Table, traces: frozenset[str], hashes: frozenset[str]) -> tuple[pa.Table, int]:
    """Other people's rows that point to an erased trace lose the pointer: span links their linked
    ids, metric points the exemplars of those traces (or naming the hashes), skills catalog rows the
    owner whose hash is erased. Returns (table, rows changed)."""
    changed = 0
    if traces and "linked_trace_id" in table.column_names:
        hit = pc.fill_null(
            pc.is_in(table["linked_trace_id"], value_set=pa.array(sorted(traces), pa.string())), False
        )
        changed += int(pc.sum(pc.cast(hit, pa.int64())).as_py() or 0)
        table = _blanked(table, hit, ("linked_trace_id", "linked_span_id"))
    if hashes and "owner_user_hash" in table.column_names:  # a skill the person owns keeps no trace of them
        owned = pc.fill_null(
            pc.is_in(table["owner_user_hash"], value_set=pa.array(sorted(hashes), pa.string())), False
        )
        changed += int(pc.sum(pc.cast(owned, pa.int64())).as_py() or 0)
        table = _blanked(table, owned, ("owner", "owner_user_hash", "owner_source"))
    if (traces or hashes) and "exemplars" in table.column_names:

        def gone(exemplar: dict) -> bool:
            attributes = exemplar.get("attributes")
            return exemplar.get("trace_id") in traces or (
                isinstance(attributes, dict)
                and any(v in hashes for v in attributes.values() if isinstance(v, str))
            )

        values = table["exemplars"].to_pylist()
        kept = [v if not v else without_exemplars(v, gone) for v in values]
        n = sum(1 for before, after in zip(values, kept, strict=True) if before is not after)
        if n:
            changed += n
            i = table.schema.get_field_index("exemplars")
            table = table.set_column(i, table.schema.field(i), pa.array(kept, pa.string()))
    return table, changed


def _blanked(table: pa.Table, hit: pa.Array | pa.ChunkedArray, names: tuple[str, ...]) -> pa.Table:
    """`table` with the columns `names` set to null on the rows of `hit`."""
    for name in names:
        i = table.schema.get_field_index(name)
        if i >= 0:
            field_ = table.schema.field(i)
            table = table.set_column(
                i, field_, pc.if_else(hit, pa.nulls(table.num_rows, field_.type), table[name])
            )
    return table


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


def discover(
    path: Path, user_hashes: frozenset[str], session_hashes: frozenset[str], tenant_id: str | None
) -> Discovery:
    """In one file (read-only, few columns): the sessions of the subject's user rows, and the traces
    of rows of the user or of those sessions."""
    found = Discovery()
    if not path.exists():
        return found
    table = read_file(path, ("user_hash", "session_hash", "trace_id", "tenant_id"))
    if "user_hash" not in table.column_names:
        return found
    users = pc.fill_null(
        pc.is_in(table["user_hash"], value_set=pa.array(sorted(user_hashes), pa.string())), False
    )
    people = users
    if session_hashes and "session_hash" in table.column_names:
        sessions = pa.array(sorted(session_hashes), pa.string())
        people = pc.or_(users, pc.fill_null(pc.is_in(table["session_hash"], value_set=sessions), False))
    if tenant_id is not None and "tenant_id" in table.column_names:
        tenant = table["tenant_id"]
        in_tenant = pc.or_(pc.is_null(tenant), pc.fill_null(pc.equal(tenant, tenant_id), False))
        users, people = pc.and_(users, in_tenant), pc.and_(people, in_tenant)
    if "session_hash" in table.column_names:
        found.sessions.update(v for v in pc.unique(table.filter(users)["session_hash"]).to_pylist() if v)
    if "trace_id" in table.column_names:
        found.traces.update(
            v for v in pc.unique(table.filter(people)["trace_id"]).to_pylist() if v and set(v) != {"0"}
        )
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
    "redact",
    "remove_partition",
    "replace_rows",
    "rewrite_without",
    "sweep_temporaries",
]
