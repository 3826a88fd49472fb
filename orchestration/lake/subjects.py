"""Who is where: the subject index (which lake files hold a subject's rows) and the suppression list.

Both live in their own SQLite file under state/, apart from the analytics tables, and hold keyed
hashes only, never raw ids. Erasure reads the index to rewrite only the files that hold a subject
(its cost grows with that subject's files, not with the lake) and adds the hash to the suppression
list, which landing checks so that late or replayed data of an erased subject never lands again.
The list also holds a key per trace of an erased person (a keyed HMAC of the trace id, see
lake/suppression.py), so that their traces' rows without any id of theirs are dropped as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from orchestration.state_db import open_state_db

SCHEMA = """
create table if not exists lake_files (
    file_id integer primary key,
    path text not null unique
);
create table if not exists subject_file_ids (
    subject blob not null,  -- the first 16 bytes of the subject's HMAC: enough to find its files
    file_id integer not null,
    primary key (subject, file_id)
) without rowid;
create index if not exists subject_file_ids_file on subject_file_ids(file_id);
create table if not exists suppressed_subjects (
    subject_hash text primary key,
    request_id text,
    suppressed_at text not null
) without rowid;
create table if not exists suppressed_traces (
    trace_key blob primary key,  -- suppression.trace_key(): 16 bytes of a keyed HMAC, never the trace id
    request_id text,
    day text,                    -- a day the trace had rows on: where a later erasure looks for them
    suppressed_at text not null,
    learned integer not null default 0  -- 1: landing found it, no erasure has looked for its rows yet
) without rowid;
"""
# The first layout kept every (hash, path) pair as text: about six times the bytes, and a landing's
# inserts slowed down as the index outgrew memory (1.1 GB for a 2.8 GB lake of 10M spans).
_OLD_LAYOUT = "subject_files"


def _key(subject_hash: str) -> bytes:
    try:
        return bytes.fromhex(subject_hash[:32]) if len(subject_hash) >= 32 else subject_hash.encode()
    except ValueError:  # not one of our hex HMACs: keep it whole
        return subject_hash.encode()


def _packed_keys(hashes: list[str]) -> bytes | None:
    """The keys of `hashes` (see _key) end to end, 16 bytes each; None unless each starts with 32
    hex digits."""
    prefixes = "".join(h[:32] for h in hashes)
    if len(prefixes) != 32 * len(hashes):
        return None
    try:
        packed = bytes.fromhex(prefixes)
    except ValueError:
        return None
    return packed if len(packed) == 16 * len(hashes) else None  # fromhex skips blanks


# ?1 keys packed by _packed_keys (?2) → rows of file ?3, inserted in key order so that each B-tree page
# is touched once.
_INSERT_PACKED = """
with recursive k(n) as (select 0 union all select n + 1 from k where n + 1 < ?1)
insert or ignore into subject_file_ids select substr(?2, n * 16 + 1, 16), ?3 from k order by 1
"""


class SubjectIndex:
    def __init__(self, path: Path):
        self.db = open_state_db(path, SCHEMA)
        if self.db.execute("select 1 from sqlite_master where name = ?", (_OLD_LAYOUT,)).fetchone():
            self._migrate()

    def _migrate(self) -> None:
        self.db.execute("begin immediate")
        index: dict[str, list[str]] = {}
        for subject_hash, path in self.db.execute(f"select subject_hash, path from {_OLD_LAYOUT}"):
            index.setdefault(path, []).append(subject_hash)
        self._insert(index)
        self.db.execute(f"drop table {_OLD_LAYOUT}")
        self.db.execute("commit")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SubjectIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, index: dict[str, list[str]]) -> None:
        """Record before publishing: a published file must never be missing from the index."""
        self.db.execute("begin immediate")
        self._insert(index)
        self.db.execute("commit")

    def _insert(self, index: dict[str, list[str]]) -> None:
        """Path → its subject hashes; every path is recorded, including those with no subject."""
        paths = list(index)
        self.db.executemany("insert or ignore into lake_files (path) values (?)", [(p,) for p in paths])
        ids = self._file_ids(paths)
        for path, hashes in index.items():
            if not hashes:
                continue
            packed = _packed_keys(hashes)
            if packed is None:  # not all of them hex HMACs: key by key
                self.db.executemany(
                    "insert or ignore into subject_file_ids values (?, ?)",
                    sorted({(_key(h), ids[path]) for h in hashes}),
                )
            else:  # one statement: binding a row at a time cost 3 µs a row, most of a landing's index time
                self.db.execute(_INSERT_PACKED, (len(hashes), packed, ids[path]))

    def _file_ids(self, paths: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for start in range(0, len(paths), 500):
            chunk = paths[start : start + 500]
            marks = ",".join("?" * len(chunk))
            ids.update(
                self.db.execute(f"select path, file_id from lake_files where path in ({marks})", chunk)
            )
        return ids

    def files_for(self, subject_hashes: Iterable[str]) -> list[str]:
        keys = [_key(h) for h in subject_hashes]
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        return [
            p
            for (p,) in self.db.execute(
                f"select distinct f.path from subject_file_ids s join lake_files f using (file_id) "
                f"where s.subject in ({marks}) order by f.path",
                keys,
            )
        ]

    def forget(self, subject_hashes: Iterable[str]) -> None:
        self.db.executemany(
            "delete from subject_file_ids where subject = ?", [(_key(h),) for h in subject_hashes]
        )

    def carry_over(self, old_paths: Iterable[str], new_path: str) -> None:
        """`new_path` holds the rows of `old_paths` (compaction): it inherits their subjects.
        Idempotent, so a crashed compaction can simply call it again."""
        old_paths = list(old_paths)
        self.db.execute("begin immediate")
        self.db.execute("insert or ignore into lake_files (path) values (?)", (new_path,))
        new_id = self._file_ids([new_path])[new_path]
        old_ids = list(self._file_ids(old_paths).values())
        for start in range(0, len(old_ids), 500):
            chunk = old_ids[start : start + 500]
            self.db.execute(
                f"insert or ignore into subject_file_ids select subject, ? from subject_file_ids "
                f"where file_id in ({','.join('?' * len(chunk))}) order by subject",
                [new_id, *chunk],
            )
        self.db.execute("commit")

    def forget_paths(self, paths: Iterable[str]) -> None:
        for path in paths:
            row = self.db.execute("select file_id from lake_files where path = ?", (path,)).fetchone()
            if row:
                self.db.execute("delete from subject_file_ids where file_id = ?", row)
                self.db.execute("delete from lake_files where file_id = ?", row)

    def suppress(self, subject_hash: str, request_id: str, at: str) -> None:
        self.db.execute(
            "insert or ignore into suppressed_subjects values (?, ?, ?)", (subject_hash, request_id, at)
        )

    def suppressed(self) -> frozenset[str]:
        return frozenset(h for (h,) in self.db.execute("select subject_hash from suppressed_subjects"))

    def suppressed_requests(self) -> dict[str, str]:
        """Suppressed subject hash → the erasure request that suppressed it."""
        return dict(self.db.execute("select subject_hash, request_id from suppressed_subjects"))

    def suppress_traces(
        self, keys: Iterable[tuple[bytes, str | None]], request_id: str, at: str, learned: bool = False
    ) -> None:
        """(trace key, a day of the trace or None); a key already listed keeps its first request and
        day. `learned`: found by landing (rows of the trace may have landed before it was known)."""
        self.db.execute("begin immediate")
        self.db.executemany(
            "insert or ignore into suppressed_traces values (?, ?, ?, ?, ?)",
            [(key, request_id, day, at, int(learned)) for key, day in keys],
        )
        self.db.execute("commit")

    def learned_requests(self) -> list[str]:
        """Requests with traces landing learned that no erasure has looked for yet."""
        return [
            r for (r,) in self.db.execute("select distinct request_id from suppressed_traces where learned")
        ]

    def looked_for(self, request_ids: Iterable[str]) -> None:
        """An erasure has looked for the rows of these requests' learned traces."""
        self.db.executemany(
            "update suppressed_traces set learned = 0 where request_id = ? and learned",
            [(r,) for r in set(request_ids)],
        )

    def suppressed_trace_keys(self) -> frozenset[bytes]:
        return frozenset(k for (k,) in self.db.execute("select trace_key from suppressed_traces"))

    def trace_keys_of(self, request_ids: Iterable[str]) -> dict[bytes, str | None]:
        """The trace keys suppressed for these requests (by erasure or learned at landing) → their day."""
        ids = sorted(set(request_ids))
        found: dict[bytes, str | None] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update(
                self.db.execute(
                    f"select trace_key, day from suppressed_traces where request_id in ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def vacuum(self) -> None:
        """Deleted hashes must not linger in free pages."""
        self.db.execute("pragma wal_checkpoint(truncate)")
        self.db.execute("vacuum")


def subject_index_path(state_dir: Path) -> Path:
    return state_dir / "subjects.sqlite"
