"""SQLite files under <data>/state/ (manifest, subject index, compliance ledger): one way to open them.

WAL so readers never block the writer, synchronous=full so a committed row survives a power cut,
autocommit (isolation_level=None) so each caller decides its own transactions with `begin immediate`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

BUSY_SECONDS = 60


def open_state_db(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    _set_wal(db)
    db.execute("pragma synchronous=full")
    db.executescript(schema)
    return db


def open_state_db_read_only(path: Path) -> sqlite3.Connection:
    """For commands that only read (status, check, dry runs): creates, migrates and locks nothing.

    A reader of a WAL database needs its index (`-shm`), which SQLite cannot create in a folder it may
    not write: such a database, which nothing run from here can change, is read as immutable.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        db.execute("select count(*) from sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        if os.access(path.parent, os.W_OK):
            raise
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)


def _set_wal(db: sqlite3.Connection) -> None:
    """Switching a new file to WAL needs it alone and SQLite does not wait for that (the busy timeout
    does not apply): landing workers opening a fresh index together would fail. Wait here instead."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("pragma journal_mode=wal")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
