"""The BigQuery load manifest: which lake day went to which table, from which files, by which job.

A small SQLite file next to the landing manifest (<data>/state/bigquery.sqlite). A day whose
source fingerprint has not changed since its last successful load is not loaded again.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
create table if not exists bigquery_loads (
    load_id integer primary key autoincrement,
    table_name text not null,
    day text not null,
    destination text not null,
    strategy text not null,
    job_ids text not null,
    source_uris text not null,
    fingerprint text not null,
    rows integer not null,
    started_at text not null,
    finished_at text not null
);
create index if not exists bigquery_loads_day on bigquery_loads (table_name, day);
create table if not exists bigquery_erasures (
    erasure_id integer primary key autoincrement,
    subject_hash text not null,
    tenant_id text,
    rows_by_table text not null,
    deleted_at text not null,
    physically_gone_at text not null
);
"""


@dataclass(frozen=True)
class LoadRecord:
    table_name: str
    day: str
    destination: str
    strategy: str
    job_ids: list[str]
    source_uris: list[str]
    fingerprint: str
    rows: int
    started_at: str
    finished_at: str


class LoadManifest:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> LoadManifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, rec: LoadRecord) -> None:
        with self._db:
            self._db.execute(
                "insert into bigquery_loads (table_name, day, destination, strategy, job_ids, source_uris,"
                " fingerprint, rows, started_at, finished_at) values (?,?,?,?,?,?,?,?,?,?)",
                (
                    rec.table_name,
                    rec.day,
                    rec.destination,
                    rec.strategy,
                    json.dumps(rec.job_ids),
                    json.dumps(rec.source_uris),
                    rec.fingerprint,
                    rec.rows,
                    rec.started_at,
                    rec.finished_at,
                ),
            )

    def last(self, table: str, day: str, destination: str | None = None) -> LoadRecord | None:
        sql = "select * from bigquery_loads where table_name = ? and day = ?"
        args: list[str] = [table, day]
        if destination:
            sql += " and destination = ?"
            args.append(destination)
        row = self._db.execute(sql + " order by load_id desc limit 1", args).fetchone()
        if row is None:
            return None
        _, table_name, day_, dest, strategy, job_ids, uris, fingerprint, rows, started, finished = row
        return LoadRecord(
            table_name,
            day_,
            dest,
            strategy,
            json.loads(job_ids),
            json.loads(uris),
            fingerprint,
            rows,
            started,
            finished,
        )

    def loaded_days(self, table: str, destination: str) -> set[str]:
        return {
            d
            for (d,) in self._db.execute(
                "select distinct day from bigquery_loads where table_name = ? and destination = ?",
                (table, destination),
            )
        }

    def loads(self) -> list[LoadRecord]:
        out = []
        for table, day, dest in self._db.execute(
            "select distinct table_name, day, destination from bigquery_loads order by day, table_name"
        ):
            rec = self.last(table, day, dest)
            if rec:
                out.append(rec)
        return out

    def record_erasure(
        self,
        subject_hash: str,
        tenant_id: str | None,
        rows_by_table: dict[str, int],
        deleted_at: str,
        physically_gone_at: str,
    ) -> None:
        with self._db:
            self._db.execute(
                "insert into bigquery_erasures (subject_hash, tenant_id, rows_by_table, deleted_at,"
                " physically_gone_at) values (?,?,?,?,?)",
                (
                    subject_hash,
                    tenant_id,
                    json.dumps(rows_by_table, sort_keys=True),
                    deleted_at,
                    physically_gone_at,
                ),
            )


def manifest_path(state_dir: Path) -> Path:
    return state_dir / "bigquery.sqlite"
