"""The DuckDB warehouse seen by compliance: which tables hold people or dates, deleting, compacting.

Deleted rows stay in a DuckDB file's free blocks until they are overwritten, so after deleting we
copy the database into a fresh file (`COPY FROM DATABASE`) and atomically rename it over the old
one. While that happens the old file is held open for writing: DuckDB's own file lock keeps dbt and
readers out, and `WarehouseLock` serializes compliance jobs with anything else that takes it.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.lake.writer import fsync_dir
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import WarehouseBusyError, build_copy_path, warehouse_write_lock

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


WarehouseBusy = WarehouseBusyError


class WarehouseLock:
    """The warehouse's single-writer lock (``state/warehouse.lock``), shared with dbt runs."""

    def __init__(self, settings: Settings, timeout: float = 600.0, purpose: str = "compliance"):
        self._lock = warehouse_write_lock(settings, timeout, purpose=purpose)

    def __enter__(self) -> WarehouseLock:
        self._lock.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.__exit__(*exc)


def connect(path: Path, timeout: float = 600.0) -> duckdb.DuckDBPyConnection:
    """Open for writing; while dbt (or a reader) holds the file, wait for it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() >= deadline:
                raise WarehouseBusy(f"cannot open the warehouse {path} for writing: {err}") from None
            time.sleep(0.5)


@dataclass(frozen=True)
class WarehouseTable:
    schema: str
    name: str
    columns: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_name(self) -> str:
        return f'"{self.schema}"."{self.name}"'

    @property
    def subject_columns(self) -> tuple[str, ...]:
        return tuple(c for c in ("user_hash", "session_hash") if c in self.columns)

    @property
    def has_people(self) -> bool:
        return bool(self.subject_columns) or "trace_id" in self.columns


def base_tables(con: duckdb.DuckDBPyConnection) -> list[WarehouseTable]:
    """Every base table (views hold no rows: they read the lake, which erasure cleans itself)."""
    rows = con.execute(
        "select t.table_schema, t.table_name, list(c.column_name order by c.ordinal_position) "
        "from information_schema.tables t join information_schema.columns c "
        "  on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema and c.table_name = t.table_name "
        "where t.table_type = 'BASE TABLE' and t.table_catalog = current_database() "
        f"  and t.table_schema not in {SYSTEM_SCHEMAS} "
        "group by all order by 1, 2"
    ).fetchall()
    return [WarehouseTable(s, n, tuple(cols)) for s, n, cols in rows]


def subject_predicate(table: WarehouseTable, tenant_id: str | None) -> str | None:
    """Rows of the subject: hashes in temp table `erase_hashes`, traces in `erase_traces`."""
    parts = [f"{c} in (select subject_hash from erase_hashes)" for c in table.subject_columns]
    if "trace_id" in table.columns:  # the subject's traces: their rows that name no other user
        own = (
            "(user_hash is null or user_hash in (select subject_hash from erase_hashes))"
            if "user_hash" in table.columns
            else "true"
        )
        parts.append(f"(trace_id in (select trace_id from erase_traces) and {own})")
    if not parts:
        return None
    predicate = "(" + " or ".join(parts) + ")"
    if tenant_id is not None and "tenant_id" in table.columns:
        predicate += f" and (tenant_id is null or tenant_id = '{_quote(tenant_id)}')"
    return predicate


def _quote(value: str) -> str:
    return value.replace("'", "''")


def load_subject(con: duckdb.DuckDBPyConnection, hashes: set[str], traces: set[str]) -> None:
    con.execute("create or replace temp table erase_hashes (subject_hash varchar)")
    con.execute("create or replace temp table erase_traces (trace_id varchar)")
    if hashes:
        con.executemany("insert into erase_hashes values (?)", [(h,) for h in sorted(hashes)])
    if traces:
        con.execute("insert into erase_traces select unnest(?)", [sorted(traces)])


def subject_traces(
    con: duckdb.DuckDBPyConnection, tables: list[WarehouseTable], tenant_id: str | None
) -> set[str]:
    """Trace ids of the subject's rows in the warehouse (requests, spans, calls)."""
    found: set[str] = set()
    for table in tables:
        if "trace_id" not in table.columns or not table.subject_columns:
            continue
        where = " or ".join(f"{c} in (select subject_hash from erase_hashes)" for c in table.subject_columns)
        if tenant_id is not None and "tenant_id" in table.columns:
            where = f"({where}) and (tenant_id is null or tenant_id = '{_quote(tenant_id)}')"
        found.update(
            t
            for (t,) in con.execute(
                f"select distinct trace_id from {table.sql_name} where {where}"
            ).fetchall()
            if t
        )
    return found


def compact(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Copy the database into a fresh file and rename it over `path`; closes `con`. Returns bytes freed."""
    before = path.stat().st_size
    con.execute("checkpoint")
    name = con.execute("select current_database()").fetchone()[0]
    fresh = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.compact")
    try:
        con.execute(f"attach '{_quote(str(fresh))}' as compact_target")
        con.execute(f'copy from database "{name}" to compact_target')
        con.execute("detach compact_target")
        con.close()
        with open(fresh, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(fresh, path)
        fsync_dir(path.parent)
    finally:
        fresh.unlink(missing_ok=True)
        Path(str(fresh) + ".wal").unlink(missing_ok=True)
    return before - path.stat().st_size


def sweep_compaction_leftovers(settings: Settings) -> None:
    """With the lock held, copies left by a killed compaction or a killed dbt build are garbage
    (and may still hold erased rows)."""
    path = settings.warehouse_path
    for leftover in path.parent.glob(f".{path.name}.*.compact*"):
        leftover.unlink(missing_ok=True)
    build_copy = build_copy_path(settings).parent
    if build_copy.exists():
        shutil.rmtree(build_copy, ignore_errors=True)


def delete_before(
    con: duckdb.DuckDBPyConnection,
    table: WarehouseTable,
    column: str,
    cutoffs: dict[str | None, date],
    dry_run: bool,
) -> int:
    """Delete rows dated before their tenant's cutoff (`cutoffs[None]` for everyone else)."""
    default = cutoffs[None]
    overrides = {t: c for t, c in cutoffs.items() if t is not None}
    if overrides and "tenant_id" in table.columns:
        cases = " ".join(
            f"when '{_quote(t)}' then date '{c.isoformat()}'" for t, c in sorted(overrides.items())
        )
        cutoff_sql = f"case tenant_id {cases} else date '{default.isoformat()}' end"
    else:
        cutoff_sql = f"date '{default.isoformat()}'"
    where = f"cast({column} as date) < {cutoff_sql}"
    (count,) = con.execute(f"select count(*) from {table.sql_name} where {where}").fetchone()
    if count and not dry_run:
        con.execute(f"delete from {table.sql_name} where {where}")
    return int(count)
