"""What landing knows of bucket objects, in the manifest's database: each object URI with the version
last landed (or found a duplicate, or empty) and its file id, and each input's listing cursor.

An object listed again with the same version and size is `unchanged` without being downloaded. The
row is written after the object's file is recorded in the manifest; a run killed in between leaves no
row, and the next run downloads the object again only to find its content landed (the file id)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from orchestration.landing.buckets.cursor import ListingCursor
from orchestration.landing.buckets.stores import ObjectInfo

SCHEMA = """
create table if not exists bucket_objects (
    uri text primary key,              -- gs://bucket/key or s3://bucket/key
    version text not null,             -- GCS generation, S3 ETag: with the size, the bytes seen
    size_bytes integer not null,
    file_id text not null,             -- the manifest's file id of those bytes
    outcome text not null,             -- landed | appended | finalized | duplicate | empty
    seen_at text not null
);
create table if not exists bucket_cursors (
    input_uri text primary key,        -- the input, gs://bucket/prefix or s3://bucket/prefix
    cursor_json text not null          -- see cursor.py
);
"""


class ObjectState:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.executescript(SCHEMA)

    def unchanged(self, uri: str, listed: ObjectInfo) -> bool:
        row = self.db.execute(
            "select version, size_bytes from bucket_objects where uri = ?", (uri,)
        ).fetchone()
        return row is not None and (row[0], row[1]) == (listed.version, listed.size)

    def record(self, rows: list[tuple[str, ObjectInfo, str, str]]) -> None:
        """(uri, version landed, file id, outcome) of the objects a batch settled, in one transaction."""
        now = datetime.now(UTC).isoformat()
        self.db.execute("begin immediate")
        try:
            self.db.executemany(
                "insert or replace into bucket_objects values (?, ?, ?, ?, ?, ?)",
                [
                    (uri, info.version, info.size, file_id, outcome, now)
                    for uri, info, file_id, outcome in rows
                ],
            )
        except BaseException:
            self.db.execute("rollback")
            raise
        self.db.execute("commit")

    def cursor(self, input_uri: str) -> ListingCursor | None:
        row = self.db.execute(
            "select cursor_json from bucket_cursors where input_uri = ?", (input_uri,)
        ).fetchone()
        return ListingCursor.from_json(row[0]) if row else None

    def save_cursor(self, input_uri: str, cursor: ListingCursor) -> None:
        self.db.execute("insert or replace into bucket_cursors values (?, ?)", (input_uri, cursor.to_json()))

    def objects(self) -> list[dict[str, Any]]:
        cursor = self.db.execute("select * from bucket_objects order by uri")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
