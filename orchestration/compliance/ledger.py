"""The compliance ledger: erasure requests, their progress, retention runs and restricted-content reads.

SQLite in ``<data>/state/compliance.sqlite``, apart from the analytics tables: it holds subject
hashes (never raw ids) by design, like the suppression list. What the dbt compliance tests need is
exported as small Parquet files ``<data>/state/compliance-export-<table>.parquet`` (`export()`),
read by the dbt source ``compliance``.
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from orchestration.compliance.ledger_export import write_export
from orchestration.compliance.ledger_schema import SCHEMA
from orchestration.compliance.policy import RetentionPolicy
from orchestration.settings import Settings
from orchestration.state_db import open_state_db

ERASURE_DUE_DAYS = 30  # GDPR art. 12(3): one month
POINTERS_CLEARED = " pointers cleared"  # label suffix: rows kept, their pointers to erased traces gone


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ledger_path(settings: Settings) -> Path:
    return settings.state_dir / "compliance.sqlite"


class Ledger:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = open_state_db(ledger_path(settings), SCHEMA)
        # a done request's trace ids (its work list) are deleted: zero them, not only unlink them
        self.db.execute("pragma secure_delete = on")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, tuple(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    # --- erasure requests ---------------------------------------------------------------------
    def add_request(
        self,
        subject_hash: str,
        tenant_id: str | None,
        source: str,
        requested_at: datetime | None = None,
        request_id: str | None = None,
    ) -> str:
        """Idempotent per (subject, tenant) while a request is open: asking twice gives the same id."""
        existing = self.db.execute(
            "select request_id from erasure_requests where subject_hash = ? and tenant_id is ? "
            "and status != 'done'",
            (subject_hash, tenant_id),
        ).fetchone()
        if existing:
            return existing[0]
        at = (requested_at or datetime.now(UTC)).astimezone(UTC)
        request_id = request_id or f"er-{at:%Y%m%d}-{uuid.uuid4().hex[:10]}"
        self.db.execute(
            "insert into erasure_requests (request_id, subject_hash, tenant_id, source, requested_at, due_at, status)"
            " values (?, ?, ?, ?, ?, ?, 'pending')",
            (
                request_id,
                subject_hash,
                tenant_id,
                source,
                at.isoformat(timespec="seconds"),
                (at + timedelta(days=ERASURE_DUE_DAYS)).isoformat(timespec="seconds"),
            ),
        )
        self.db.execute(
            "insert or ignore into erasure_subjects values (?, ?, 'user')", (request_id, subject_hash)
        )
        return request_id

    def open_requests(self, request_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        rows = self._rows("select * from erasure_requests where status != 'done' order by requested_at")
        wanted = set(request_ids) if request_ids is not None else None
        return [r for r in rows if wanted is None or r["request_id"] in wanted]

    def requests(self) -> list[dict[str, Any]]:
        return self._rows("select * from erasure_requests order by requested_at")

    def request(self, request_id: str) -> dict[str, Any] | None:
        rows = self._rows("select * from erasure_requests where request_id = ?", (request_id,))
        return rows[0] if rows else None

    def mark_running(self, request_id: str) -> None:
        self.db.execute(
            "update erasure_requests set status = 'running', started_at = coalesce(started_at, ?), "
            "error = null where request_id = ?",
            (now_iso(), request_id),
        )

    def mark_done(self, request_id: str, files_rewritten: int, keep_traces: bool = False) -> dict[str, int]:
        """`keep_traces`: a warehouse outside the data directory (BigQuery) still needs the request's
        trace ids; `record_warehouse_erasure` drops them."""
        removed = self.removed(request_id)
        self.db.execute("begin immediate")
        self.db.execute(
            "update erasure_requests set status = 'done', completed_at = ?, rows_removed_json = ?, "
            "files_rewritten = ?, error = null where request_id = ?",
            (now_iso(), json.dumps(removed, sort_keys=True), files_rewritten, request_id),
        )
        if not keep_traces:
            self.db.execute("delete from erasure_traces where request_id = ?", (request_id,))
        self.db.execute("commit")
        return removed

    # --- a warehouse outside the data directory (BigQuery): its rows go later than its DML ----------
    def pending_in_warehouse(
        self, warehouse: str, request_ids: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Done requests whose part in `warehouse` is not recorded yet (all of them, or the given ones)."""
        rows = self._rows(
            "select * from erasure_requests r where status = 'done' and not exists (select 1 from "
            "warehouse_erasures w where w.request_id = r.request_id and w.warehouse = ?) "
            "order by requested_at",
            (warehouse,),
        )
        wanted = set(request_ids) if request_ids is not None else None
        return [r for r in rows if wanted is None or r["request_id"] in wanted]

    def record_warehouse_erasure(
        self,
        request_id: str,
        warehouse: str,
        deleted_at: datetime,
        time_travel_hours: int,
        fail_safe_hours: int,
    ) -> str:
        """The warehouse's DML of a done request is committed (its steps recorded with finish_step):
        the request is complete only when the deleted rows are unrecoverable, so completed_at moves
        to deleted_at + time travel + fail-safe when that is later. Returns the new completed_at."""
        gone = (deleted_at + timedelta(hours=time_travel_hours + fail_safe_hours)).astimezone(UTC)
        gone_at = gone.isoformat(timespec="seconds")
        self.db.execute("begin immediate")
        self.db.execute(
            "insert or replace into warehouse_erasures values (?, ?, ?, ?, ?, ?)",
            (
                request_id,
                warehouse,
                deleted_at.astimezone(UTC).isoformat(timespec="seconds"),
                time_travel_hours,
                fail_safe_hours,
                gone_at,
            ),
        )
        (completed,) = self.db.execute(
            "select completed_at from erasure_requests where request_id = ?", (request_id,)
        ).fetchone()
        if completed is None or datetime.fromisoformat(completed) < gone:
            completed = gone_at
        self.db.execute(
            "update erasure_requests set completed_at = ?, rows_removed_json = ? where request_id = ?",
            (completed, json.dumps(self.removed(request_id), sort_keys=True), request_id),
        )
        self.db.execute("delete from erasure_traces where request_id = ?", (request_id,))
        self.db.execute("commit")
        return completed

    def warehouse_erasures(self, request_id: str | None = None) -> list[dict[str, Any]]:
        if request_id is None:
            return self._rows("select * from warehouse_erasures order by deleted_at")
        return self._rows(
            "select * from warehouse_erasures where request_id = ? order by deleted_at", (request_id,)
        )

    # --- subjects and traces of a request -----------------------------------------------------
    def subjects(self, request_id: str) -> set[str]:
        return {
            h
            for (h,) in self.db.execute(
                "select subject_hash from erasure_subjects where request_id = ?", (request_id,)
            )
        }

    def add_subjects(self, request_id: str, hashes: Iterable[str], kind: str) -> None:
        self.db.executemany(
            "insert or ignore into erasure_subjects values (?, ?, ?)", [(request_id, h, kind) for h in hashes]
        )

    def same_person(self, request_id: str) -> list[str]:
        """Every request for the subject of this one (this one included): an erasure of someone
        erased before also looks for what slipped in since, by the earlier requests' traces."""
        return [
            r
            for (r,) in self.db.execute(
                "select request_id from erasure_requests where subject_hash = "
                "(select subject_hash from erasure_requests where request_id = ?) order by requested_at",
                (request_id,),
            )
        ]

    def traces(self, request_id: str) -> set[str]:
        return {
            t
            for (t,) in self.db.execute(
                "select trace_id from erasure_traces where request_id = ?", (request_id,)
            )
        }

    def add_traces(self, request_id: str, trace_ids: Iterable[str]) -> None:
        self.db.execute("begin immediate")
        self.db.executemany(
            "insert or ignore into erasure_traces values (?, ?)", [(request_id, t) for t in trace_ids]
        )
        self.db.execute("commit")

    def erased_subjects(self) -> list[dict[str, Any]]:
        """Every hash of every completed request: nothing may hold them any more."""
        return self._rows(
            "select s.subject_hash, r.tenant_id, r.request_id, r.completed_at from erasure_subjects s "
            "join erasure_requests r using (request_id) where r.status = 'done' order by 1, 3"
        )

    # --- progress: a removal is counted before it happens, confirmed after ----------------------
    def step(self, request_id: str, target: str) -> tuple[int, str] | None:
        row = self.db.execute(
            "select rows_removed, state from erasure_steps where request_id = ? and target = ?",
            (request_id, target),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def plan_step(self, request_id: str, target: str, rows: int) -> None:
        self.db.execute(
            "insert or replace into erasure_steps values (?, ?, ?, 'planned')", (request_id, target, rows)
        )

    def finish_step(self, request_id: str, target: str, rows: int | None = None) -> None:
        if rows is None:
            self.db.execute(
                "update erasure_steps set state = 'done' where request_id = ? and target = ?",
                (request_id, target),
            )
        else:
            self.db.execute(
                "insert or replace into erasure_steps values (?, ?, ?, 'done')", (request_id, target, rows)
            )

    def removed(self, request_id: str) -> dict[str, int]:
        """Rows removed per table (lake files summed by table)."""
        out: dict[str, int] = {}
        for target, rows in self.db.execute(
            "select target, rows_removed from erasure_steps where request_id = ? and rows_removed > 0",
            (request_id,),
        ):
            out[table_label(self.settings, target)] = out.get(table_label(self.settings, target), 0) + rows
        return out

    def files_rewritten(self, request_id: str) -> int:
        return self.db.execute(
            "select count(distinct replace(target, '#references', '')) from erasure_steps "
            "where request_id = ? and rows_removed > 0 and target not like 'warehouse:%'",
            (request_id,),
        ).fetchone()[0]

    def set_erased_usage(self, request_id: str, rows: list[tuple]) -> None:
        """(call_date, tenant_id, calls, tokens, cost, reported cost) of the calls about to be deleted."""
        self.db.execute("begin immediate")
        self.db.execute("delete from erased_usage where request_id = ?", (request_id,))
        self.db.executemany(
            "insert into erased_usage values (?, ?, ?, ?, ?, ?, ?)",
            [
                (request_id, str(d), t, n, tok, None if c is None else str(c), None if r is None else str(r))
                for d, t, n, tok, c, r in rows
            ],
        )
        self.db.execute("commit")

    def erased_usage(self) -> list[dict[str, Any]]:
        """Per day and tenant, without request or subject: safe to hand to finance's reconciliation."""
        rows = self._rows(
            "select call_date, tenant_id, llm_call_count, total_tokens, cost_usd, reported_cost_usd "
            "from erased_usage"
        )
        totals: dict[tuple, dict[str, Any]] = {}
        for r in rows:
            key = (r["call_date"], r["tenant_id"])
            t = totals.setdefault(
                key,
                {
                    "call_date": date.fromisoformat(r["call_date"]),
                    "tenant_id": r["tenant_id"],
                    "llm_call_count": 0,
                    "total_tokens": 0,
                    "cost_usd": Decimal(0),
                    "reported_cost_usd": Decimal(0),
                },
            )
            t["llm_call_count"] += r["llm_call_count"]
            t["total_tokens"] += r["total_tokens"] or 0
            t["cost_usd"] += Decimal(r["cost_usd"] or 0)
            t["reported_cost_usd"] += Decimal(r["reported_cost_usd"] or 0)
        return [totals[k] for k in sorted(totals, key=lambda k: (k[0], k[1] or ""))]

    # --- retention runs and content access ----------------------------------------------------
    def record_retention(
        self, as_of: str, dry_run: bool, removed: list[dict[str, Any]], started_at: str
    ) -> str:
        run_id = f"rt-{uuid.uuid4().hex[:12]}"
        self.db.execute(
            "insert into retention_runs values (?, ?, ?, ?, ?, ?)",
            (run_id, as_of, started_at, now_iso(), int(dry_run), json.dumps(removed, default=str)),
        )
        return run_id

    def retention_runs(self) -> list[dict[str, Any]]:
        return self._rows("select * from retention_runs order by started_at")

    def log_access(
        self,
        command: str,
        trace_id: str | None,
        subject_hash: str | None,
        reason: str | None,
        rows_returned: int,
    ) -> str:
        access_id = f"ca-{uuid.uuid4().hex[:12]}"
        try:
            user = getpass.getuser()
        except OSError:
            user = str(os.getuid())
        self.db.execute(
            "insert into content_access values (?, ?, ?, ?, ?, ?, ?, ?)",
            (access_id, now_iso(), user, command, trace_id, subject_hash, reason, rows_returned),
        )
        return access_id

    def redact_content_reads(self, trace_ids: set[str], key_of: Callable[[str], str]) -> None:
        """Reads of an erased trace's content stay audited, under the trace's suppression key."""
        reads = self.db.execute("select access_id, trace_id from content_access where trace_id is not null")
        for access_id, trace in reads.fetchall():
            if trace.lower() in trace_ids:
                self.db.execute(
                    "update content_access set trace_id = ? where access_id = ?",
                    (f"erased:{key_of(trace)}", access_id),
                )

    def content_accesses(self) -> list[dict[str, Any]]:
        return self._rows("select * from content_access order by accessed_at")

    # --- the export the dbt tests read --------------------------------------------------------
    def export(self, policy: RetentionPolicy) -> None:
        write_export(
            self.settings, self.erased_subjects(), self.requests(), policy.rows(), self.erased_usage()
        )


def table_label(settings: Settings, target: str) -> str:
    """`/data/lake/spans/date=…/x.parquet` → `lake/spans` (`…#references` → `lake/spans pointers
    cleared`: rows kept, their pointers to erased traces removed); warehouse targets stay as they are."""
    if target.startswith("warehouse:"):
        return target
    path, references = target.removesuffix("#references"), target.endswith("#references")
    try:
        parts = Path(path).relative_to(settings.data_dir).parts
    except ValueError:
        return target
    label = "/".join(p for p in parts[:-1] if not p.startswith("date="))
    return label + POINTERS_CLEARED if references else label
