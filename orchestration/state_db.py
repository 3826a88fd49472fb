"""SQLite files under <data>/state/ (manifest, subject index, compliance ledger): one way to open them.

WAL so readers never block the writer, synchronous=full so a committed row survives a power cut,
autocommit (isolation_level=None) so each caller decides its own transactions with `begin immediate`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_state_db(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("pragma journal_mode=wal")
    db.execute("pragma synchronous=full")
    db.executescript(schema)
    return db
