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

from orchestration.state_db import open_state_db

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
    rows_json text, days_json text, bytes_written integer, seconds real, landed_at text, run_id text
);
create index if not exists files_head on files(head_sha256);
create table if not exists paths (
    path text primary key,
    size_bytes integer not null,
    mtime_ns integer not null,
    file_id text not null,
    outcome text not null,             -- landed | duplicate | appended
    seen_at text not null
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
    "insert into paths values (?, ?, ?, ?, ?, ?) on conflict(path) do update set "
    "size_bytes=excluded.size_bytes, mtime_ns=excluded.mtime_ns, file_id=excluded.file_id, "
    "outcome=excluded.outcome, seen_at=excluded.seen_at"
)


class Manifest:
    def __init__(self, path: Path):
        self.path = path
        self.db = open_state_db(path, SCHEMA)
        columns = {row[1] for row in self.db.execute("pragma table_info(files)")}
        if "records_suppressed" not in columns:  # manifests written before erasure existed
            self.db.execute("alter table files add column records_suppressed integer not null default 0")

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
    def path_unchanged(self, path: str, size: int, mtime_ns: int) -> bool:
        row = self.db.execute("select size_bytes, mtime_ns from paths where path = ?", (path,)).fetchone()
        return row is not None and row[0] == size and row[1] == mtime_ns

    def landed(self, file_id: str) -> dict[str, Any] | None:
        row = self.db.execute("select path, status from files where file_id = ?", (file_id,)).fetchone()
        return {"path": row[0], "status": row[1]} if row else None

    def prefix_candidates(self, head_sha256: str, size: int) -> list[tuple[str, int]]:
        """Landed files that may be a prefix of a file of `size` bytes with this head."""
        return self.db.execute(
            "select file_id, size_bytes from files where head_sha256 = ? and size_bytes < ? "
            "and status = 'landed' and compression = 'none' order by size_bytes desc",
            (head_sha256, size),
        ).fetchall()

    def pending_journal(self) -> list[tuple[str, list[list[str]], dict[str, Any]]]:
        return [
            (fid, json.loads(moves), json.loads(result))
            for fid, moves, result in self.db.execute("select file_id, moves_json, result_json from journal")
        ]

    # --- writes -------------------------------------------------------------------------------
    def record_path(
        self, path: str, size: int, mtime_ns: int, file_id: str, outcome: str, seen_at: str
    ) -> None:
        self.db.execute(
            _UPSERT_PATH,
            (path, size, mtime_ns, file_id, outcome, seen_at),
        )

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
                db.execute(
                    "insert or replace into files (file_id, path, size_bytes, head_sha256, compression, format,"
                    " signal, status, base_file_id, start_offset, units_in, records_in, records_landed,"
                    " records_quarantined, records_suppressed, rows_json, days_json, bytes_written, seconds,"
                    " landed_at, run_id)"
                    " values (?, ?, ?, ?, ?, ?, ?, 'landed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    ),
                )
                db.execute(
                    _UPSERT_PATH,
                    (
                        result["path"],
                        result["size_bytes"],
                        result["mtime_ns"],
                        result["file_id"],
                        "appended" if result.get("base_file_id") else "landed",
                        result["landed_at"],
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
    def summary(self) -> dict[str, Any]:
        files = self.db.execute(
            "select count(*), coalesce(sum(records_in),0), coalesce(sum(records_landed),0),"
            " coalesce(sum(records_quarantined),0), coalesce(sum(size_bytes - start_offset),0),"
            " coalesce(sum(records_suppressed),0) from files where status='landed'"
        ).fetchone()
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
            "paths": outcomes,
            "rows": rows,
            "pending_publish": self.db.execute("select count(*) from journal").fetchone()[0],
        }

    def files(self) -> list[dict[str, Any]]:
        cursor = self.db.execute("select * from files order by landed_at, path")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
