"""GDPR erasure: a person's rows leave the lake, quarantine, restricted content and the warehouse.

One request = one raw id (optionally within one tenant), hashed with the landing's keyed HMAC; the
raw id is never stored. A run:

1. registers the request in the ledger and puts the hash on the suppression list (landing drops the
   subject's late or replayed data from then on);
2. under the landing lock, finds the subject's files in the subject index, reads them to find the
   subject's sessions and traces (kept in the ledger, so a rerun still knows them), and rewrites
   each file without those rows (atomically; each removal is counted in the ledger before it happens
   and confirmed after, so a killed run resumes with exact counts);
3. cleans the quarantine (raw excerpts may hold the raw id: matched by substring when the raw id is
   at hand and by hashing the excerpt's quoted strings otherwise);
4. deletes the subject's rows from every warehouse table with user_hash / session_hash / trace_id
   columns (found via information_schema), then compacts the DuckDB file;
5. forgets the subject in the index and marks the request done, with rows removed per table;
6. on BigQuery (SPANLEDGER_WAREHOUSE=bigquery), deletes the subjects there too, as steps of the same
   request; its completed_at moves past BigQuery's time travel and fail-safe (`erase_in_bigquery`).

Every step is idempotent: a killed run is completed by the next one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.checkpoints import Checkpoint, kill_at_from_env, noop
from orchestration.compliance import lakefiles, warehouse
from orchestration.compliance.lakefiles import SubjectMatch
from orchestration.compliance.ledger import Ledger, now_iso
from orchestration.compliance.policy import load_policy
from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.locks import LakeLock
from orchestration.settings import Settings


@dataclass
class ErasureRequest:
    raw_id: str
    tenant_id: str | None = None
    requested_at: datetime | None = None


@dataclass
class ErasureResult:
    request_id: str
    status: str
    rows_removed: dict[str, int] = field(default_factory=dict)
    files_rewritten: int = 0
    files_indexed_total: int = 0
    seconds: float = 0.0
    completed_at: str | None = None  # on BigQuery: when its deleted rows are gone for good


def read_request_file(path: Path) -> list[ErasureRequest]:
    """CSV with a header: user_id (required), tenant_id, requested_at (ISO date or time)."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "user_id" not in reader.fieldnames:
            raise ValueError(
                f"{path}: needs a header with a user_id column (and optionally tenant_id, requested_at)"
            )
        out = []
        for line, row in enumerate(reader, start=2):
            raw = (row.get("user_id") or "").strip()
            if not raw:
                raise ValueError(f"{path} line {line}: empty user_id")
            at = (row.get("requested_at") or "").strip()
            when = datetime.fromisoformat(at) if at else None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            out.append(ErasureRequest(raw, (row.get("tenant_id") or "").strip() or None, when))
        return out


def register(settings: Settings, requests: list[ErasureRequest], source: str) -> list[str]:
    """Record requests (hashes only) and suppress the subjects at once; returns request ids."""
    hasher = SubjectHasher(settings.hmac_key)
    ids = []
    with Ledger(settings) as ledger, SubjectIndex(subject_index_path(settings.state_dir)) as index:
        for request in requests:
            subject = hasher(request.raw_id)
            request_id = ledger.add_request(subject, request.tenant_id, source, request.requested_at)
            index.suppress(subject, request_id, now_iso())
            ids.append(request_id)
        ledger.export(load_policy(settings))
    return ids


def erase(
    settings: Settings,
    requests: list[ErasureRequest],
    source: str = "cli",
    checkpoint: Checkpoint = noop,
    lock_timeout: float = 600.0,
) -> list[ErasureResult]:
    """Register and run requests now; the raw ids also find quarantined excerpts by substring."""
    ids = register(settings, requests, source)
    raw_ids = {rid: r.raw_id for rid, r in zip(ids, requests, strict=True)}
    results = run_pending(settings, ids, raw_ids, checkpoint, lock_timeout)
    erase_in_bigquery(settings, ids, results)
    return results


def erase_in_bigquery(
    settings: Settings, request_ids: list[str] | None = None, results: list[ErasureResult] | None = None
) -> list[str]:
    """BigQuery's part of done requests that lack it (all, or the given ones) when the warehouse is
    BigQuery: DML in every table with the request's subjects, each table a step of the request, and
    completed_at = deletion + time travel + fail-safe. `results` get BigQuery's rows and that time.
    Returns the request ids done now; nothing on DuckDB. A failure leaves the requests pending in
    BigQuery (`status` says so) for the next run."""
    if settings.warehouse != "bigquery":
        return []
    from orchestration.warehouse.bigquery.client import make_client
    from orchestration.warehouse.bigquery.config import BigQueryConfig
    from orchestration.warehouse.bigquery.erasure import erase_ledger_requests

    config = BigQueryConfig.from_env()
    done = [r.request_id for r in erase_ledger_requests(settings, make_client(config), config, request_ids)]
    if results:
        with Ledger(settings) as ledger:
            for result in results:
                result.rows_removed = ledger.removed(result.request_id)
                result.completed_at = (ledger.request(result.request_id) or {}).get("completed_at")
    return done


def run_pending(
    settings: Settings,
    request_ids: list[str] | None = None,
    raw_ids: dict[str, str] | None = None,
    checkpoint: Checkpoint = noop,
    lock_timeout: float = 600.0,
) -> list[ErasureResult]:
    """Run open requests (all, or the given ones) to completion; safe to rerun after a crash."""
    import time

    started = time.perf_counter()
    raw_ids = raw_ids or {}
    if checkpoint is noop:
        checkpoint = kill_at_from_env()
    hasher = SubjectHasher(settings.hmac_key)
    with Ledger(settings) as ledger:
        pending = ledger.open_requests(request_ids)
        if not pending:
            return []
        indexed_total = 0
        with LakeLock(settings.state_dir, lock_timeout):
            lakefiles.sweep_temporaries(settings.lake_dir)
            for request in pending:
                ledger.mark_running(request["request_id"])
                checkpoint("running")
                indexed_total += _erase_files(
                    settings, ledger, request, raw_ids.get(request["request_id"]), hasher, checkpoint
                )
        checkpoint("files_done")
        with warehouse.WarehouseLock(settings, lock_timeout):
            _erase_warehouse(settings, ledger, pending, checkpoint, lock_timeout)
        checkpoint("warehouse_done")
        with SubjectIndex(subject_index_path(settings.state_dir)) as index:
            for request in pending:
                index.forget(ledger.subjects(request["request_id"]))
            index.vacuum()
        results = []
        for request in pending:
            rid = request["request_id"]
            files = ledger.files_rewritten(rid)
            removed = ledger.mark_done(rid, files)
            checkpoint("marked_done")
            results.append(ErasureResult(rid, "done", removed, files, indexed_total))
        ledger.export(load_policy(settings))
    for r in results:
        r.seconds = time.perf_counter() - started
    return results


# --- files: lake, restricted content, quarantine -------------------------------------------------


def _erase_files(
    settings: Settings,
    ledger: Ledger,
    request: dict[str, Any],
    raw_id: str | None,
    hasher: SubjectHasher,
    checkpoint: Checkpoint,
) -> int:
    rid, tenant = request["request_id"], request["tenant_id"]
    users = frozenset([request["subject_hash"]])
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        # Discover the subject's sessions and traces first and keep them: rewritten files forget them.
        hashes = set(ledger.subjects(rid))
        seen: set[str] = set()
        while True:
            files = [p for p in index.files_for(hashes) if p not in seen]
            if not files:
                break
            traces: set[str] = set()
            sessions: set[str] = set()
            for path in files:
                seen.add(path)
                found = lakefiles.discover(local_path(settings, path), users, tenant)
                sessions |= found.sessions
                traces |= found.traces
            ledger.add_subjects(rid, sessions - hashes, "session")
            ledger.add_traces(rid, traces)
            if sessions <= hashes:
                break
            hashes |= sessions
        for h in hashes:  # late data of the subject's sessions must not land again either
            index.suppress(h, rid, now_iso())
        files = index.files_for(hashes)
    checkpoint("discovered")
    match = SubjectMatch(frozenset(hashes), frozenset(ledger.traces(rid)), tenant, text_hashes=users)
    targets = [local_path(settings, p) for p in files]
    # Restricted content of the subject's traces often has no user column of its own (content of
    # child spans), so its files are not all in the index: it is small (days), scan all of it.
    targets += [p for p in sorted(settings.restricted_dir.glob("date=*/*.parquet")) if p not in set(targets)]
    # Rows of the subject's traces without a person of their own (evaluation logs) can sit in files
    # the index does not list for the subject: look at those tables on the subject's days (±1).
    targets += _trace_only_files(settings, targets, match.traces)
    for path in targets:
        _rewrite(ledger, rid, path, match)
        checkpoint("file_rewritten")
    quarantine_match = SubjectMatch(
        frozenset(hashes),
        frozenset(),
        None,
        text_hashes=frozenset(hashes),
        raw_ids=(raw_id,) if raw_id else (),
        token_hasher=hasher,
    )
    for path in sorted(settings.quarantine_dir.glob("date=*/*.parquet")):
        _rewrite(ledger, rid, path, quarantine_match)
    return len(files)


# Call-level costs that the finance marts aggregate (they keep the erased calls' share, see ledger.erased_usage).
PRICED_CALLS = "int_llm_calls_priced"
TRACE_ONLY_TABLES = ("logs", "span_events", "span_links")


def _trace_only_files(settings: Settings, targets: list[Path], traces: frozenset[str]) -> list[Path]:
    if not traces:
        return []
    days: set[date] = set()
    for path in targets:
        if path.is_relative_to(settings.lake_dir) and path.parent.name.startswith("date="):
            day = date.fromisoformat(path.parent.name.removeprefix("date="))
            days |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    known = set(targets)
    wanted = pa.array(sorted(traces), pa.string())
    found = []
    for table in TRACE_ONLY_TABLES:
        for day in sorted(days):
            for path in sorted(settings.table_dir(table).glob(f"date={day.isoformat()}/*.parquet")):
                if path in known:
                    continue
                ids = lakefiles.read_file(path, ("trace_id",))
                if ids.num_columns and pc.any(pc.is_in(ids["trace_id"], value_set=wanted)).as_py():
                    found.append(path)
    return found


def local_path(settings: Settings, indexed: str) -> Path:
    """The index holds absolute paths; a data directory that was moved or copied still resolves."""
    path = Path(indexed)
    if path.is_relative_to(settings.data_dir):
        return path
    parts = path.parts
    for anchor in ("lake", "restricted", "quarantine"):
        if anchor in parts:
            at = len(parts) - 1 - parts[::-1].index(anchor)
            return settings.data_dir.joinpath(*parts[at:])
    return settings.data_dir / "lake" / "_unresolved" / path.name  # never outside the data directory


def _rewrite(ledger: Ledger, rid: str, path: Path, match: SubjectMatch) -> None:
    target = str(path)
    step = ledger.step(rid, target)
    if step and step[1] == "done":
        return
    if not path.exists():
        ledger.finish_step(rid, target, step[0] if step else 0)
        return
    table = lakefiles.read_file(path)
    mask = match.mask(table)
    removed = int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
    if not removed:
        # Nothing left to remove: either never was, or an earlier run replaced the file after planning.
        ledger.finish_step(rid, target, step[0] if step else 0)
        return
    ledger.plan_step(rid, target, removed)
    lakefiles.replace_rows(path, table.filter(pc.invert(mask)), table.schema)
    ledger.finish_step(rid, target)


# --- warehouse ------------------------------------------------------------------------------------


def _erase_warehouse(
    settings: Settings, ledger: Ledger, pending: list[dict[str, Any]], checkpoint: Checkpoint, timeout: float
) -> None:
    path = settings.warehouse_path
    warehouse.sweep_compaction_leftovers(settings)
    if not path.exists():
        return
    con = warehouse.connect(path, timeout)
    try:
        tables = [t for t in warehouse.base_tables(con) if t.has_people]
        for request in pending:
            rid, tenant = request["request_id"], request["tenant_id"]
            hashes = ledger.subjects(rid)
            warehouse.load_subject(con, hashes, set())
            traces = ledger.traces(rid) | warehouse.subject_traces(con, tables, tenant)
            ledger.add_traces(rid, traces)
            warehouse.load_subject(con, hashes, traces)
            for table in tables:
                predicate = warehouse.subject_predicate(table, tenant)
                if predicate is None:
                    continue
                target = f"warehouse:{table.label}"
                step = ledger.step(rid, target)
                if step and step[1] == "done":
                    continue
                (count,) = con.execute(f"select count(*) from {table.sql_name} where {predicate}").fetchone()
                if not count:
                    ledger.finish_step(rid, target, step[0] if step else 0)
                    continue
                if table.name == PRICED_CALLS:  # the cost marts keep these calls: remember their share
                    ledger.set_erased_usage(
                        rid,
                        con.execute(
                            "select call_date, tenant_id, count(*), sum(total_tokens), sum(cost_usd), "
                            f"sum(reported_cost_usd) from {table.sql_name} where {predicate} group by all"
                        ).fetchall(),
                    )
                ledger.plan_step(rid, target, int(count))
                con.execute(f"delete from {table.sql_name} where {predicate}")
                ledger.finish_step(rid, target)
                checkpoint("table_deleted")
        con.execute("drop table if exists erase_hashes")
        con.execute("drop table if exists erase_traces")
        checkpoint("before_compact")
        warehouse.compact(con, path)
        con = None
    finally:
        if con is not None:
            con.close()


def sweep_erased(settings: Settings, timeout: float = 600.0) -> dict[str, int]:
    """Delete rows of already erased subjects that reached the warehouse again (a dbt run racing an
    erasure); compacts when anything went. Run by the daily compliance job."""
    path = settings.warehouse_path
    with Ledger(settings) as ledger:
        erased = ledger.erased_subjects()
    if not erased or not path.exists():
        return {}
    removed: dict[str, int] = {}
    with warehouse.WarehouseLock(settings, timeout):
        con = warehouse.connect(path, timeout)
        try:
            tables = [t for t in warehouse.base_tables(con) if t.subject_columns]
            by_tenant: dict[str | None, set[str]] = {}
            for row in erased:
                by_tenant.setdefault(row["tenant_id"], set()).add(row["subject_hash"])
            for tenant, hashes in by_tenant.items():
                warehouse.load_subject(con, hashes, set())
                for table in tables:
                    predicate = warehouse.subject_predicate(table, tenant)
                    (count,) = con.execute(
                        f"select count(*) from {table.sql_name} where {predicate}"
                    ).fetchone()
                    if count:
                        con.execute(f"delete from {table.sql_name} where {predicate}")
                        removed[table.label] = removed.get(table.label, 0) + int(count)
            con.execute("drop table if exists erase_hashes")
            con.execute("drop table if exists erase_traces")
            if removed:
                warehouse.compact(con, path)
                con = None
        finally:
            if con is not None:
                con.close()
    return removed


def status(settings: Settings, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every request with its due date; `overdue` when still open past it."""
    now = now or datetime.now(UTC)
    with Ledger(settings) as ledger:
        rows = ledger.requests()
        pending = (
            {r["request_id"] for r in ledger.pending_in_warehouse(_bigquery_ledger_name())}
            if settings.warehouse == "bigquery"
            else set()
        )
    for row in rows:
        # On BigQuery a request whose lake part is done still waits for BigQuery's part.
        row["bigquery_pending"] = row["request_id"] in pending
        open_ = row["status"] != "done" or row["bigquery_pending"]
        row["overdue"] = open_ and datetime.fromisoformat(row["due_at"]) < now
    return rows


def _bigquery_ledger_name() -> str:
    from orchestration.warehouse.bigquery.config import BigQueryConfig
    from orchestration.warehouse.bigquery.erasure import ledger_warehouse

    return ledger_warehouse(BigQueryConfig.from_env())
