"""BigQuery's part of the erasure requests in the compliance ledger: the adapter
(orchestration/warehouse/bigquery/erasure.py) deletes the subjects' rows by DML; this module decides what
to erase from the ledger and records what was done there, so compliance calls the warehouse adapter and
the adapter never imports compliance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from google.cloud import bigquery

from orchestration.compliance.erasure_files import suppress_traces
from orchestration.compliance.ledger import Ledger
from orchestration.compliance.policy import load_policy
from orchestration.warehouse.bigquery.config import FAIL_SAFE_HOURS, BigQueryConfig
from orchestration.warehouse.bigquery.erasure import (
    ErasureResult,
    erase_subjects,
    ledger_warehouse,
    step_target,
    subject_tables,
    subject_traces,
    warehouse_datasets,
)


def erase_ledger_requests(
    settings,
    client: bigquery.Client,
    config: BigQueryConfig,
    request_ids: Iterable[str] | None = None,
    datasets: list[str] | None = None,
) -> list[ErasureResult]:
    """BigQuery's part of every completed erasure request that does not have it yet (or of the given
    ones): the request's subjects (the person and the sessions found with them) leave every BigQuery
    table, each table's rows go into the request's steps, and the request's completed_at becomes
    deleted + time travel + fail-safe. Safe to rerun: tables already done are skipped."""
    results = []
    warehouse = ledger_warehouse(config)
    with Ledger(settings) as ledger:
        for request in ledger.pending_in_warehouse(warehouse, request_ids):
            rid, tenant = request["request_id"], request["tenant_id"]
            done = {
                t
                for t in subject_tables(client, config, datasets or warehouse_datasets(client, config))
                if (ledger.step(rid, step_target(t)) or (0, ""))[1] == "done"
            }
            # the lake's traces (kept for BigQuery) and those of rows BigQuery alone still holds,
            # recorded before any DELETE: a rerun after a failure must still know them
            known = ledger.traces(rid)
            found = subject_traces(client, config, ledger.subjects(rid), tenant_id=tenant, datasets=datasets)
            ledger.add_traces(rid, found - known)
            suppress_traces(settings, rid, found - known)
            result = erase_subjects(
                client,
                config,
                ledger.subjects(rid),
                traces=known | found,
                tenant_id=tenant,
                datasets=datasets,
                skip_tables=done,
            )
            for table_id, rows in result.rows_by_table.items():
                ledger.finish_step(rid, step_target(table_id), rows)
            completed = ledger.record_warehouse_erasure(
                rid, warehouse, result.deleted_at, result.time_travel_hours, FAIL_SAFE_HOURS
            )
            result.subject_hash, result.request_id = request["subject_hash"], rid
            result.physically_gone_at = datetime.fromisoformat(completed)
            results.append(result)
        if results:
            ledger.export(load_policy(settings))
    return results
