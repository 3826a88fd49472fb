"""GDPR erasure: a person's rows leave the lake, quarantine, restricted content and the warehouse.

One request = one raw id (optionally within one tenant), hashed with the landing's keyed HMAC; the
raw id is never stored. A run:

1. registers the request in the ledger and puts the hash on the suppression list (landing drops the
   subject's late or replayed data from then on);
2. under the landing lock (erasure_files.py), finds the subject's files in the subject index, reads
   them to find the subject's sessions and traces (kept in the ledger, so a rerun still knows them,
   and suppressed as keyed hashes), finds the rows of those traces that carry no id (and of the traces
   of the person's earlier requests or learned at landing), and rewrites each file without all of
   them (atomically; each removal is counted in the ledger before it happens and confirmed after, so
   a killed run resumes with exact counts);
3. cleans the quarantine (raw excerpts may hold the raw id: matched by substring when the raw id is
   at hand and by hashing the excerpt's quoted strings otherwise, user, session and trace ids alike);
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.checkpoints import Checkpoint, kill_at_from_env, noop
from orchestration.compliance import lakefiles, warehouse
from orchestration.compliance.erasure_files import erase_files, suppress_traces
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


def check_request(request: ErasureRequest) -> None:
    """An empty or blank id would hash to a subject nobody is, and erase nothing while saying done."""
    if not request.raw_id or not request.raw_id.strip():
        raise ValueError("an erasure needs a user id: it is empty or blank")
    if request.tenant_id is not None and not request.tenant_id.strip():
        raise ValueError("the tenant id is empty or blank: leave it out to erase in every tenant")


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
    for request in requests:
        check_request(request)
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
    from orchestration.compliance.bigquery_erasure import erase_ledger_requests
    from orchestration.warehouse.bigquery.client import make_client
    from orchestration.warehouse.bigquery.config import BigQueryConfig

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
    with Ledger(settings) as ledger:
        if request_ids is None:
            reopen_for_learned_traces(settings, ledger)
        pending = ledger.open_requests(request_ids)
        if not pending:
            return []
        indexed_total = 0
        with LakeLock(settings.state_dir, lock_timeout):
            lakefiles.sweep_temporaries(settings.lake_dir)
            for request in pending:
                ledger.mark_running(request["request_id"])
                checkpoint("running")
                indexed_total += erase_files(
                    settings, ledger, request, raw_ids.get(request["request_id"]), checkpoint
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
            # BigQuery's part (erase_in_bigquery) still needs the request's trace ids
            removed = ledger.mark_done(rid, files, keep_traces=settings.warehouse == "bigquery")
            checkpoint("marked_done")
            results.append(ErasureResult(rid, "done", removed, files, indexed_total))
        ledger.export(load_policy(settings))
    for r in results:
        r.seconds = time.perf_counter() - started
    return results


LEARNED_SOURCE = "landing: rows of an erased person's new trace"


def reopen_for_learned_traces(settings: Settings, ledger: Ledger) -> list[str]:
    """Landing learned traces of erased people (a row naming the person arrived in a new trace); rows
    of those traces that landed before it are found by erasing the person again: open that request
    (idempotent while open). Returns the open request ids."""
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        learned_by = index.learned_requests()
    opened = []
    for request_id in learned_by:
        earlier = ledger.request(request_id)
        if earlier is not None:
            opened.append(ledger.add_request(earlier["subject_hash"], earlier["tenant_id"], LEARNED_SOURCE))
    return opened


# Call-level costs that the finance marts aggregate (they keep the erased calls' share, see ledger.erased_usage).
PRICED_CALLS = "int_llm_calls_priced"


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
            known = ledger.traces(rid)
            found = warehouse.subject_traces(con, tables, tenant) - known
            ledger.add_traces(rid, found)
            suppress_traces(settings, rid, found)
            warehouse.load_subject(con, hashes, known | found)
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


def erase_everywhere(
    settings,
    client: Any,
    config: Any,
    subject_hash: str,
    *,
    tenant_id: str | None = None,
    raw_id: str | None = None,
    source: str = "cli:bigquery",
) -> Any:
    """One request in the ledger: the lake, quarantine and restricted content (above), then BigQuery
    (`client`, `config`: the warehouse adapter's), whose time travel and fail-safe decide the request's
    completed_at. Returns the BigQuery adapter's ErasureResult."""
    from orchestration.compliance.bigquery_erasure import erase_ledger_requests
    from orchestration.warehouse.bigquery.erasure import ErasureResult as BigQueryErasure

    with Ledger(settings) as ledger, SubjectIndex(subject_index_path(settings.state_dir)) as index:
        request_id = ledger.add_request(subject_hash, tenant_id, source)
        index.suppress(subject_hash, request_id, now_iso())  # late data of the subject no longer lands
    run_pending(settings, [request_id], {request_id: raw_id} if raw_id else None)
    results = erase_ledger_requests(settings, client, config, [request_id])
    if results:
        return results[0]
    # the BigQuery part was recorded before
    return BigQueryErasure(subject_hash, tenant_id, request_id=request_id)
