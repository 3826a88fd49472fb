"""Who is where: the subject index (which lake files hold a subject's rows) and the suppression list.

Both live in their own SQLite file under state/, apart from the analytics tables, and hold keyed
hashes only, never raw ids. Erasure reads the index to rewrite only the files that hold a subject
(its cost grows with that subject's files, not with the lake) and adds the hash to the suppression
list, which landing checks so that late or replayed data of an erased subject never lands again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from orchestration.state_db import open_state_db

SCHEMA = """
create table if not exists subject_files (
    subject_hash text not null,
    path text not null,
    primary key (subject_hash, path)
) without rowid;
create index if not exists subject_files_path on subject_files(path);
create table if not exists suppressed_subjects (
    subject_hash text primary key,
    request_id text,
    suppressed_at text not null
) without rowid;
"""


class SubjectIndex:
    def __init__(self, path: Path):
        self.db = open_state_db(path, SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SubjectIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, index: dict[str, list[str]]) -> None:
        """Record before publishing: a published file must never be missing from the index."""
        self.db.execute("begin immediate")
        self.db.executemany("insert or ignore into subject_files values (?, ?)",
                            [(h, path) for path, hashes in index.items() for h in hashes])
        self.db.execute("commit")

    def files_for(self, subject_hashes: Iterable[str]) -> list[str]:
        hashes = list(subject_hashes)
        if not hashes:
            return []
        marks = ",".join("?" * len(hashes))
        return [p for (p,) in self.db.execute(
            f"select distinct path from subject_files where subject_hash in ({marks}) order by path", hashes)]

    def forget(self, subject_hashes: Iterable[str]) -> None:
        hashes = list(subject_hashes)
        self.db.executemany("delete from subject_files where subject_hash = ?", [(h,) for h in hashes])

    def forget_paths(self, paths: Iterable[str]) -> None:
        self.db.executemany("delete from subject_files where path = ?", [(p,) for p in paths])

    def suppress(self, subject_hash: str, request_id: str, at: str) -> None:
        self.db.execute("insert or ignore into suppressed_subjects values (?, ?, ?)", (subject_hash, request_id, at))

    def suppressed(self) -> frozenset[str]:
        return frozenset(h for (h,) in self.db.execute("select subject_hash from suppressed_subjects"))

    def vacuum(self) -> None:
        """Deleted hashes must not linger in free pages."""
        self.db.execute("pragma wal_checkpoint(truncate)")
        self.db.execute("vacuum")


def subject_index_path(state_dir: Path) -> Path:
    return state_dir / "subjects.sqlite"
