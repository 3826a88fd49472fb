"""The landing manifest: every input file seen, what it became, and the publish journal.

SQLite in WAL mode: transactional, safe across processes, and readable while a landing runs.
Content hashes (sha256) are the identity of a file, so a renamed or rotated copy is not landed twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestration.state_db import open_state_db, open_state_db_read_only

SCHEMA = """
create table if not exists files (
    file_id text primary key,          -- sha256 of the whole content at landing time
    path text not null,                -- where it was first seen
    size_bytes integer not null,
    head_sha256 text not null,         -- sha256 of the first 4 KiB: finds files that grew or were rotated
    compression text, format text, signal text,
    status text not null,              -- publishing | landed
    base_file_id text,                 -- landed earlier as a shorter prefix of this content
    start_offset integer not null default 0,
    units_in integer, records_in integer, records_landed integer, records_quarantined integer,
    records_suppressed integer not null default 0,   -- rows of erased subjects, not landed by design
    rows_json text, days_json text, bytes_written integer, seconds real, landed_at text, run_id text,
    resume_offset integer,             -- where the next landing of a longer version starts (raw byte) ...
    resume_skip integer not null default 0,   -- ... and the decompressed bytes of that member landed
    resume_unit integer,               -- the number of the next line or message
    pending_bytes integer not null default 0, -- a record cut mid-write, left for the writer to finish
    units_unreadable integer not null default 0,  -- quarantined pieces whose records cannot be counted
    bytes_unreadable integer not null default 0   -- ... and their size
);
create index if not exists files_head on files(head_sha256);
create index if not exists files_base on files(base_file_id);
create table if not exists paths (
    path text primary key,
    size_bytes integer not null,
    mtime_ns integer not null,
    file_id text not null,
    outcome text not null,             -- landed | appended | finalized | waiting | duplicate | empty
    seen_at text not null,
    inode integer,                     -- a file replaced under the same name is not taken for this one
    pending_bytes integer not null default 0  -- the version here waits for a record cut mid-write
);
create table if not exists journal (
    file_id text primary key,          -- the first of the files published together
    moves_json text not null,          -- [[staging, final], ...] to replay after a crash
    result_json text not null          -- their manifest rows (a list; a single object in older journals)
);
create table if not exists compaction_journal (
    target text primary key,           -- the compacted file, once published
    temp text not null,                -- where it is written first (same folder)
    sources_json text not null         -- the files it replaces: removed once it is published
);
"""
_UPSERT_PATH = (
    "insert into paths (path, size_bytes, mtime_ns, file_id, outcome, seen_at, inode, pending_bytes) "
    "values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(path) do update set size_bytes=excluded.size_bytes, "
    "mtime_ns=excluded.mtime_ns, file_id=excluded.file_id, outcome=excluded.outcome, seen_at=excluded.seen_at, "
    "inode=excluded.inode, pending_bytes=excluded.pending_bytes"
)
# Columns added after the first release, with their definitions: older manifests gain them on open.
_ADDED_COLUMNS = {
    "files": {
        "records_suppressed": "integer not null default 0",
        "resume_offset": "integer",
        "resume_skip": "integer not null default 0",
        "resume_unit": "integer",
        "pending_bytes": "integer not null default 0",
        "units_unreadable": "integer not null default 0",
        "bytes_unreadable": "integer not null default 0",
    },
    "paths": {"inode": "integer", "pending_bytes": "integer not null default 0"},
}
_FILE_COLUMNS = (
    "file_id, path, size_bytes, head_sha256, compression, format, signal, status, base_file_id, start_offset,"
    " units_in, records_in, records_landed, records_quarantined, records_suppressed, rows_json, days_json,"
    " bytes_written, seconds, landed_at, run_id, resume_offset, resume_skip, resume_unit, pending_bytes,"
    " units_unreadable, bytes_unreadable"
)


class Manifest:
    def __init__(self, path: Path, read_only: bool = False):
        self.path = path
        if read_only:  # status and check: nothing created or migrated (the data dir may be read-only)
            self.db = open_state_db_read_only(path)
            return
        self.db = open_state_db(path, SCHEMA)
        for table, added in _ADDED_COLUMNS.items():
            columns = {row[1] for row in self.db.execute(f"pragma table_info({table})")}
            for name, definition in added.items():
                if name not in columns:
                    self.db.execute(f"alter table {table} add column {name} {definition}")
        self.db.execute("create index if not exists paths_inode on paths(inode)")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("begin immediate")
        try:
            yield self.db
        except BaseException:
            self.db.execute("rollback")
            raise
        self.db.execute("commit")

    # --- look-ups -----------------------------------------------------------------------------
    def path_row(self, path: str) -> dict[str, Any] | None:
        """What was last seen at `path`: size, mtime, inode, file id, outcome, pending bytes."""
        cursor = self.db.execute(
            "select size_bytes, mtime_ns, inode, file_id, outcome, pending_bytes from paths where path = ?",
            (path,),
        )
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def landed(self, file_id: str) -> dict[str, Any] | None:
        """The manifest row of a landed file (every column), or None."""
        cursor = self.db.execute("select * from files where file_id = ?", (file_id,))
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def continued(self, file_id: str) -> bool:
        """Whether a longer version of this file landed after it (from its resume point on)."""
        return (
            self.db.execute("select 1 from files where base_file_id = ? limit 1", (file_id,)).fetchone()
            is not None
        )

    def prefix_candidates(self, head_sha256: str, size: int, path: str, inode: int) -> list[dict[str, Any]]:
        """Landed versions that may be a byte prefix of a file of `size` bytes: the last version seen at
        `path` (a growing file, however small), or under its inode (a rotated file keeps it), and those
        with the same first 4 KiB (a renamed copy of a file that grew), longest first."""
        cursor = self.db.execute(
            "select * from files where status = 'landed' and size_bytes < ? and (head_sha256 = ?"
            " or file_id in (select file_id from paths where path = ? or inode = ?)) order by size_bytes desc",
            (size, head_sha256, path, inode),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def pending_journal(self) -> list[tuple[str, list[list[str]], dict[str, Any]]]:
        return [
            (fid, json.loads(moves), json.loads(result))
            for fid, moves, result in self.db.execute("select file_id, moves_json, result_json from journal")
        ]

    # --- writes -------------------------------------------------------------------------------
    def record_path(
        self,
        path: str,
        size: int,
        mtime_ns: int,
        file_id: str,
        outcome: str,
        seen_at: str,
        inode: int | None = None,
        pending_bytes: int = 0,
    ) -> None:
        self.db.execute(_UPSERT_PATH, (path, size, mtime_ns, file_id, outcome, seen_at, inode, pending_bytes))

    def begin_publish(self, results: list[dict[str, Any]], moves: list[tuple[str, str]]) -> None:
        """Write-ahead: the moves are durable before the first rename happens. One entry for files
        whose outputs are shared (small files landed together), keyed by the first file."""
        with self.transaction() as db:
            db.execute(
                "insert or replace into journal values (?, ?, ?)",
                (results[0]["file_id"], json.dumps(moves), json.dumps(results)),
            )

    def finish_publish(self, results: list[dict[str, Any]] | dict[str, Any]) -> None:
        """Record the files as landed and close their journal entry, in one transaction."""
        results = results if isinstance(results, list) else [results]  # a journal of an older version
        with self.transaction() as db:
            for result in results:
                resume = result.get("resume") or {}
                db.execute(
                    f"insert or replace into files ({_FILE_COLUMNS}) values"
                    " (?, ?, ?, ?, ?, ?, ?, 'landed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        result["file_id"],
                        result["path"],
                        result["size_bytes"],
                        result["head_sha256"],
                        result["compression"],
                        result["format"],
                        result["signal"],
                        result.get("base_file_id"),
                        result.get("start_offset", 0),
                        result["units_in"],
                        result["records_in"],
                        result["records_landed"],
                        result["records_quarantined"],
                        result.get("records_suppressed", 0),
                        json.dumps(result["rows"]),
                        json.dumps(result["days"]),
                        result["bytes_written"],
                        result["seconds"],
                        result["landed_at"],
                        result.get("run_id"),
                        resume.get("offset", result["size_bytes"]),
                        resume.get("skip", 0),
                        resume.get("unit"),
                        result.get("pending_bytes", 0),
                        result.get("units_unreadable", 0),
                        result.get("bytes_unreadable", 0),
                    ),
                )
                db.execute(
                    _UPSERT_PATH,
                    (
                        result["path"],
                        result["size_bytes"],
                        result["mtime_ns"],
                        result["file_id"],
                        result.get("outcome") or ("appended" if result.get("base_file_id") else "landed"),
                        result["landed_at"],
                        result.get("inode"),
                        result.get("pending_bytes", 0),
                    ),
                )
            db.execute("delete from journal where file_id = ?", (results[0]["file_id"],))

    def begin_compaction(self, target: str, temp: str, sources: list[str]) -> None:
        with self.transaction() as db:
            db.execute(
                "insert or replace into compaction_journal values (?, ?, ?)",
                (target, temp, json.dumps(sources)),
            )

    def pending_compactions(self) -> list[tuple[str, str, list[str]]]:
        return [
            (target, temp, json.loads(sources))
            for target, temp, sources in self.db.execute(
                "select target, temp, sources_json from compaction_journal"
            )
        ]

    def finish_compaction(self, target: str) -> None:
        with self.transaction() as db:
            db.execute("delete from compaction_journal where target = ?", (target,))

    def drop_journal(self, file_id: str) -> None:
        self.db.execute("delete from journal where file_id = ?", (file_id,))

    # --- summaries ----------------------------------------------------------------------------
    def _sum(self, table: str, column: str, where: str = "") -> int:
        """A column's total; 0 for a column an older manifest, opened read-only, does not have yet."""
        if column not in {row[1] for row in self.db.execute(f"pragma table_info({table})")}:
            return 0
        return self.db.execute(f"select coalesce(sum({column}), 0) from {table} {where}").fetchone()[0]

    def summary(self) -> dict[str, Any]:
        landed = "where status = 'landed'"
        files = self.db.execute(
            "select count(*), coalesce(sum(records_in),0), coalesce(sum(records_landed),0),"
            " coalesce(sum(records_quarantined),0), coalesce(sum(size_bytes - start_offset),0)"
            " from files where status='landed'"
        ).fetchone()
        waiting = self._sum("paths", "pending_bytes", "where pending_bytes > 0")
        files = (
            *files,
            self._sum("files", "records_suppressed", landed),
            self._sum("files", "units_unreadable", landed),
            self._sum("files", "bytes_unreadable", landed),
        )
        waiting = (
            self.db.execute("select count(*) from paths where pending_bytes > 0").fetchone()[0]
            if waiting
            else 0,
            waiting,
        )
        outcomes = dict(self.db.execute("select outcome, count(*) from paths group by outcome").fetchall())
        rows: dict[str, int] = {}
        for (rows_json,) in self.db.execute("select rows_json from files where status='landed'"):
            for table, n in json.loads(rows_json or "{}").items():
                rows[table] = rows.get(table, 0) + n
        return {
            "files_landed": files[0],
            "records_in": files[1],
            "records_landed": files[2],
            "records_quarantined": files[3],
            "bytes_landed": files[4],
            "records_suppressed": files[5],
            "units_unreadable": files[6],
            "bytes_unreadable": files[7],
            "files_waiting": waiting[0],
            "bytes_waiting": waiting[1],
            "paths": outcomes,
            "rows": rows,
            "pending_publish": self.db.execute("select count(*) from journal").fetchone()[0],
        }

    def files(self) -> list[dict[str, Any]]:
        cursor = self.db.execute("select * from files order by landed_at, path")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
