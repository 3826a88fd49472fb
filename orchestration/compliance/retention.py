"""Retention: remove what is past its class's retention from the lake, quarantine, restricted
content and the warehouse, and write what went to the ledger.

Lake partitions are removed whole when every tenant's retention has passed for that date; between
the shortest and the longest tenant retention, the files of the date are rewritten keeping the rows of
tenants that still retain it. Restricted content rows also go at their own `expires_at`. The
`date=1970-01-01/_schema.parquet` files (zero rows, they keep readers' globs valid) always stay.
Warehouse rows go by their model's class and date column (see `catalog`), per tenant; on BigQuery
partition expiration does the bulk and DML the rest (orchestration/warehouse/bigquery/retention.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.compliance import catalog, lakefiles, warehouse
from orchestration.compliance.ledger import Ledger, now_iso
from orchestration.compliance.policy import CONTENT, FACTS, QUARANTINE, RAW, RetentionPolicy, load_policy
from orchestration.lake.schema import LAKE_TABLES
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.locks import LakeLock
from orchestration.settings import Settings
from orchestration.skills.snapshot import TABLE as SKILLS_CATALOG

SCHEMA_DAY = date(1970, 1, 1)


@dataclass
class Removal:
    target: str  # lake/spans date=2026-01-01 | warehouse:intermediate.int_llm_calls_priced | ...
    kind: str  # partition | rows
    rows: int
    files: int = 0
    detail: str = ""


@dataclass
class RetentionReport:
    as_of: date
    dry_run: bool
    removals: list[Removal] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # warehouse tables not checked, with why
    run_id: str | None = None
    recorded: bool = True  # False: a dry run on a read-only data directory, not in the ledger

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.removals)

    def to_list(self) -> list[dict[str, Any]]:
        return [r.__dict__ for r in self.removals]


def _day_of(folder: Path) -> date | None:
    try:
        return date.fromisoformat(folder.name.removeprefix("date="))
    except ValueError:
        return None


def _cutoffs(policy: RetentionPolicy, data_class: str, today: date) -> dict[str | None, date]:
    cutoffs: dict[str | None, date] = {None: policy.cutoff(data_class, today)}
    for tenant in policy.overrides(data_class):
        cutoffs[tenant] = policy.cutoff(data_class, today, tenant)
    return cutoffs


def _expired_mask(table: pa.Table, day: date, cutoffs: dict[str | None, date]) -> pa.Array:
    """Rows of `day` whose tenant's cutoff lies after it."""
    default = day < cutoffs[None]
    if len(cutoffs) == 1 or "tenant_id" not in table.column_names:
        return pa.array([default] * table.num_rows, pa.bool_())
    expired_tenants = [t for t, c in cutoffs.items() if t is not None and day < c]
    kept_tenants = [t for t, c in cutoffs.items() if t is not None and day >= c]
    tenant = table["tenant_id"]
    if default:  # everyone but tenants who keep it longer
        keep = pc.fill_null(pc.is_in(tenant, value_set=pa.array(kept_tenants, pa.string())), False)
        return pc.invert(keep)
    return pc.fill_null(pc.is_in(tenant, value_set=pa.array(expired_tenants, pa.string())), False)


def apply_retention(
    settings: Settings,
    now: datetime | None = None,
    dry_run: bool = False,
    lock_timeout: float = 600.0,
    progress: Callable[[str], None] = lambda _step: None,
) -> RetentionReport:
    """Remove (or, dry, count) what is past its retention; `progress` hears each step as it starts."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.date()
    policy = load_policy(settings)
    report = RetentionReport(today, dry_run)
    removed_paths: list[str] = []
    # A dry run only reads: on a data directory it may not write it takes no lock and records nothing
    read_only = dry_run and not _may_write(settings.state_dir)
    with nullcontext() if read_only else LakeLock(settings.state_dir, lock_timeout):
        for table in LAKE_TABLES:
            progress(f"lake/{table}: days past retention")
            _retain_folder(
                settings.table_dir(table),
                f"lake/{table}",
                _cutoffs(policy, RAW, today),
                dry_run,
                report,
                removed_paths,
            )
        # skills catalog snapshots: installation history, kept like the facts built from it (dim_skills)
        progress("lake/skills_catalog: days past retention")
        _retain_folder(
            settings.table_dir(SKILLS_CATALOG),
            f"lake/{SKILLS_CATALOG}",
            _cutoffs(policy, FACTS, today),
            dry_run,
            report,
            removed_paths,
        )
        progress("quarantine")
        _retain_folder(
            settings.quarantine_dir,
            "quarantine",
            {None: policy.cutoff(QUARANTINE, today)},
            dry_run,
            report,
            removed_paths,
        )
        progress("restricted content past its expiry")
        _retain_content(settings, _cutoffs(policy, CONTENT, today), now, dry_run, report, removed_paths)
        if removed_paths and not dry_run:
            with SubjectIndex(subject_index_path(settings.state_dir)) as index:
                index.forget_paths(removed_paths)
    progress("warehouse rows past retention")
    _retain_warehouse(settings, policy, today, dry_run, report, lock_timeout, read_only)
    if settings.warehouse == "bigquery":
        progress("BigQuery rows past retention")
        _retain_bigquery(settings, policy, today, dry_run, report)
    if read_only:
        report.recorded = False
        return report
    progress("recording the run in the ledger")
    with Ledger(settings) as ledger:
        report.run_id = ledger.record_retention(today.isoformat(), dry_run, report.to_list(), now_iso())
        ledger.export(policy)  # a dry run changes no data, but puts the policy in force for the dbt tests
    return report


def _may_write(folder: Path) -> bool:
    """Whether this process may write in `folder`, or create it (then: in its nearest existing parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def _retain_folder(
    root: Path,
    label: str,
    cutoffs: dict[str | None, date],
    dry_run: bool,
    report: RetentionReport,
    removed_paths: list[str],
) -> None:
    if not root.exists():
        return
    oldest_kept = min(cutoffs.values())  # dates from here on are kept by at least one tenant
    for folder in sorted(root.glob("date=*")):
        day = _day_of(folder)
        if day is None or day == SCHEMA_DAY or not folder.is_dir():
            continue
        files = sorted(folder.glob("*.parquet"))
        if day < oldest_kept:
            rows = sum(lakefiles.parquet_rows(f) for f in files)
            report.removals.append(Removal(f"{label} {folder.name}", "partition", rows, len(files)))
            if not dry_run:
                lakefiles.remove_partition(folder)
                removed_paths += [str(f) for f in files]
        elif any(day < c for c in cutoffs.values()):
            _remove_rows(
                files,
                partial(_expired_mask, day=day, cutoffs=cutoffs),
                dry_run,
                removed_paths,
                report,
                f"{label} {folder.name}",
                "tenants past their retention",
            )


def _content_expired_mask(
    table: pa.Table, day: date, cutoffs: dict[str | None, date], now_ts: pa.Scalar
) -> pa.Array:
    """Restricted content goes at its class's retention or at its own expires_at, whichever is first."""
    mask = _expired_mask(table, day, cutoffs)
    if "expires_at" in table.column_names:
        mask = pc.or_(mask, pc.fill_null(pc.less_equal(table["expires_at"], now_ts), False))
    return mask


def _remove_rows(
    paths: list[Path],
    mask_of: Callable[[pa.Table], pa.Array],
    dry_run: bool,
    removed_paths: list[str],
    report: RetentionReport,
    label: str,
    reason: str,
) -> None:
    """Remove the rows `mask_of` marks from each file (atomically, unless a dry run) and report it."""
    removed = rewritten = 0
    for path in paths:
        table = lakefiles.read_file(path)
        mask = mask_of(table)
        n = int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
        if not n:
            continue
        removed += n
        rewritten += 1
        if not dry_run:
            lakefiles.replace_rows(path, table.filter(pc.invert(mask)), table.schema)
            if n == table.num_rows:
                removed_paths.append(str(path))
    if removed:
        report.removals.append(Removal(label, "rows", removed, rewritten, reason))


def _retain_content(
    settings: Settings,
    cutoffs: dict[str | None, date],
    now: datetime,
    dry_run: bool,
    report: RetentionReport,
    removed_paths: list[str],
) -> None:
    root = settings.restricted_dir
    if not root.exists():
        return
    now_ts = pa.scalar(now, pa.timestamp("us", tz="UTC"))
    for folder in sorted(root.glob("date=*")):
        day = _day_of(folder)
        if day is None or not folder.is_dir():
            continue
        _remove_rows(
            sorted(folder.glob("*.parquet")),
            partial(_content_expired_mask, day=day, cutoffs=cutoffs, now_ts=now_ts),
            dry_run,
            removed_paths,
            report,
            f"restricted/content {folder.name}",
            "past retention or expires_at",
        )
        if not dry_run and folder.exists() and not any(folder.iterdir()):
            folder.rmdir()


def _retain_warehouse(
    settings: Settings,
    policy: RetentionPolicy,
    today: date,
    dry_run: bool,
    report: RetentionReport,
    lock_timeout: float,
    read_only: bool = False,
) -> None:
    path = settings.warehouse_path
    if not path.exists():
        return
    if read_only:  # counted on the file as it is: no lock, no sweep, nothing written
        with duckdb.connect(str(path), read_only=True) as con:
            _warehouse_removals(settings, con, policy, today, True, report)
        return
    with warehouse.WarehouseLock(settings, lock_timeout):
        warehouse.sweep_compaction_leftovers(settings)
        con = warehouse.connect(path, lock_timeout)
        try:
            deleted = _warehouse_removals(settings, con, policy, today, dry_run, report)
            if deleted and not dry_run:
                warehouse.compact(con, path)
                con = None
        finally:
            if con is not None:
                con.close()


def _warehouse_removals(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    policy: RetentionPolicy,
    today: date,
    dry_run: bool,
    report: RetentionReport,
) -> int:
    """Delete (or, in a dry run, count) each table's rows past its class's retention; rows in all."""
    deleted = 0
    for item in catalog.classify(settings, warehouse.base_tables(con)):
        if item.data_class is None or item.date_column is None:
            report.skipped.append(f"{item.table.label}: {item.reason}")
            continue
        n = warehouse.delete_before(
            con, item.table, item.date_column, _cutoffs(policy, item.data_class, today), dry_run
        )
        if n:
            deleted += n
            report.removals.append(
                Removal(
                    f"warehouse:{item.table.label}",
                    "rows",
                    n,
                    0,
                    f"{item.data_class}: {item.date_column} before cutoff",
                )
            )
    return deleted


def _retain_bigquery(
    settings: Settings, policy: RetentionPolicy, today: date, dry_run: bool, report: RetentionReport
) -> None:
    """BigQuery (SPANLEDGER_WAREHOUSE=bigquery): partition expiration removes each class's old days by
    itself; this deletes what the policy keeps for less (tenant overrides and defaults shorter than the
    expiration, tables without expiration), in the lake tables and dbt's models."""
    from orchestration.compliance import bigquery_retention as bq
    from orchestration.warehouse.bigquery.client import make_client
    from orchestration.warehouse.bigquery.config import BigQueryConfig

    config = BigQueryConfig.from_env()
    client = make_client(config)
    models, skipped = bq.model_tables(client, config, settings)
    report.skipped += skipped
    for item, rows in bq.apply_retention(
        client, config, today, policy, dry_run=dry_run, tables=bq.lake_tables(config) + models
    ):
        if rows:
            who = f"tenant {item.tenant_id}" if item.tenant_id else "default"
            report.removals.append(
                Removal(
                    f"warehouse:bigquery:{item.table_id}",
                    "rows",
                    rows,
                    0,
                    f"{item.data_class} ({who}): dated before {item.before}",
                )
            )


def parse_now(value: str | None) -> datetime | None:
    """`--now 2027-03-01` (a fake clock for tests and what-if runs): that day at 00:00 UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


__all__ = ["Removal", "RetentionReport", "apply_retention", "parse_now"]
