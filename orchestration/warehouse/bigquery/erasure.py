"""Erase subjects from BigQuery by DML: every table of the lake and warehouse datasets that holds a
`user_hash` or `session_hash` column, recorded in the compliance ledger.

A DELETE removes the rows from queries at once, but BigQuery keeps them readable by time travel
for the dataset's window (`max_time_travel_hours`, 48 to 168 hours) and then in fail-safe storage
for 7 more days. `physically_gone_at` = deleted + time travel + fail-safe is the honest
"completed" time, and the one the ledger gets (`erase_ledger_requests`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from google.cloud import bigquery

from orchestration.warehouse.bigquery.config import FAIL_SAFE_HOURS, BigQueryConfig

SUBJECT_COLUMNS = ("user_hash", "session_hash")


@dataclass
class ErasureResult:
    subject_hash: str
    tenant_id: str | None
    rows_by_table: dict[str, int] = field(default_factory=dict)
    deleted_at: datetime | None = None
    physically_gone_at: datetime | None = None
    time_travel_hours: int = 0
    request_id: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.rows_by_table.values())


def subject_columns(
    client: bigquery.Client, config: BigQueryConfig, datasets: list[str]
) -> dict[str, list[str]]:
    """Base tables (not views) with subject columns → those columns, from each dataset's INFORMATION_SCHEMA."""
    found: dict[str, list[str]] = {}
    wanted = ", ".join(f"'{c}'" for c in SUBJECT_COLUMNS)
    for dataset in datasets:
        sql = (
            f"select c.table_name, c.column_name from `{config.project}.{dataset}.INFORMATION_SCHEMA.COLUMNS` c "
            f"join `{config.project}.{dataset}.INFORMATION_SCHEMA.TABLES` t using (table_name) "
            f"where c.column_name in ({wanted}) and t.table_type = 'BASE TABLE' "
            "and not starts_with(c.table_name, '_load_') order by 1, 2"
        )
        try:
            rows = list(client.query(sql).result())
        except Exception as err:  # a dataset that does not exist (yet) holds nobody
            if "Not found" in str(err) or "404" in str(err):
                continue
            raise
        for r in rows:
            found.setdefault(f"{config.project}.{dataset}.{r.table_name}", []).append(r.column_name)
    return found


def subject_tables(client: bigquery.Client, config: BigQueryConfig, datasets: list[str]) -> list[str]:
    return sorted(subject_columns(client, config, datasets))


def time_travel_hours(client: bigquery.Client, config: BigQueryConfig, dataset: str) -> int:
    try:
        hours = client.get_dataset(f"{config.project}.{dataset}").max_time_travel_hours
    except Exception:  # noqa: BLE001 - no such setting (the emulator): the configured hours
        hours = None
    return int(hours or config.time_travel_hours)


def warehouse_datasets(client: bigquery.Client, config: BigQueryConfig) -> list[str]:
    """The lake dataset and dbt's datasets (<warehouse> and <warehouse>_<layer>)."""
    names = [d.dataset_id for d in client.list_datasets(config.project)]
    prefix = config.warehouse_dataset
    return [config.lake_dataset, *sorted(n for n in names if n == prefix or n.startswith(prefix + "_"))]


def erase_subjects(
    client: bigquery.Client,
    config: BigQueryConfig,
    subject_hashes: Iterable[str],
    *,
    tenant_id: str | None = None,
    datasets: list[str] | None = None,
    skip_tables: Iterable[str] = (),
) -> ErasureResult:
    """Delete rows whose user_hash or session_hash is one of the hashes (within a tenant if given)."""
    hashes = sorted(set(subject_hashes))
    datasets = datasets or warehouse_datasets(client, config)
    result = ErasureResult(hashes[0] if hashes else "", tenant_id)
    skip = set(skip_tables)
    params: list = [bigquery.ArrayQueryParameter("subjects", "STRING", hashes)]
    tenant = ""
    if tenant_id:
        tenant = " and tenant_id = @tenant"
        params.append(bigquery.ScalarQueryParameter("tenant", "STRING", tenant_id))
    for table_id, columns in sorted(subject_columns(client, config, datasets).items()):
        if table_id in skip or not hashes:
            continue
        who = " or ".join(f"`{c}` in unnest(@subjects)" for c in columns)
        job = client.query(
            f"delete from `{table_id}` where ({who}){tenant}",
            job_config=bigquery.QueryJobConfig(query_parameters=params),
        )
        job.result()
        result.rows_by_table[table_id] = int(job.num_dml_affected_rows or 0)
    result.deleted_at = datetime.now(UTC)
    result.time_travel_hours = max(
        (time_travel_hours(client, config, d) for d in datasets), default=config.time_travel_hours
    )
    result.physically_gone_at = result.deleted_at + timedelta(
        hours=result.time_travel_hours + FAIL_SAFE_HOURS
    )
    return result


def erase_subject(
    client: bigquery.Client,
    config: BigQueryConfig,
    subject_hash: str,
    *,
    tenant_id: str | None = None,
    datasets: list[str] | None = None,
) -> ErasureResult:
    return erase_subjects(client, config, [subject_hash], tenant_id=tenant_id, datasets=datasets)


# --- the compliance ledger ------------------------------------------------------------------------


def ledger_warehouse(config: BigQueryConfig) -> str:
    return f"bigquery:{config.project}"


def step_target(table_id: str) -> str:
    """Ledger step of a BigQuery table; `warehouse:` keeps it out of the count of rewritten files."""
    return f"warehouse:bigquery:{table_id}"


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
    from orchestration.compliance.ledger import Ledger
    from orchestration.compliance.policy import load_policy

    results = []
    warehouse = ledger_warehouse(config)
    with Ledger(settings) as ledger:
        for request in ledger.pending_in_warehouse(warehouse, request_ids):
            rid = request["request_id"]
            done = {
                t
                for t in subject_tables(client, config, datasets or warehouse_datasets(client, config))
                if (ledger.step(rid, step_target(t)) or (0, ""))[1] == "done"
            }
            result = erase_subjects(
                client,
                config,
                ledger.subjects(rid),
                tenant_id=request["tenant_id"],
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


def erase_everywhere(
    settings,
    client: bigquery.Client,
    config: BigQueryConfig,
    subject_hash: str,
    *,
    tenant_id: str | None = None,
    raw_id: str | None = None,
    source: str = "cli:bigquery",
) -> ErasureResult:
    """One request in the ledger: the lake, quarantine and restricted content (compliance.erasure),
    then BigQuery, whose time travel and fail-safe decide the request's completed_at."""
    from orchestration.compliance.erasure import run_pending
    from orchestration.compliance.ledger import Ledger, now_iso
    from orchestration.lake.subjects import SubjectIndex, subject_index_path

    with Ledger(settings) as ledger, SubjectIndex(subject_index_path(settings.state_dir)) as index:
        request_id = ledger.add_request(subject_hash, tenant_id, source)
        index.suppress(subject_hash, request_id, now_iso())  # late data of the subject no longer lands
    run_pending(settings, [request_id], {request_id: raw_id} if raw_id else None)
    results = erase_ledger_requests(settings, client, config, [request_id])
    if results:
        return results[0]
    return ErasureResult(subject_hash, tenant_id, request_id=request_id)  # BigQuery part was already recorded
