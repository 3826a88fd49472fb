"""Erase subjects from BigQuery by DML: every table of the lake and warehouse datasets that holds a
`user_hash` or `session_hash` column loses the subject's rows, and every table with a `trace_id`
column the rows of the subject's traces that name no other user, recorded in the compliance ledger.

A DELETE removes the rows from queries at once, but BigQuery keeps them readable by time travel
for the dataset's window (`max_time_travel_hours`, 48 to 168 hours) and then in fail-safe storage
for 7 more days. `physically_gone_at` = deleted + time travel + fail-safe is the honest
"completed" time, and the one the ledger gets (orchestration/compliance/bigquery_erasure.py: the
compliance side calls this adapter, never the reverse).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from google.cloud import bigquery

from orchestration.warehouse.bigquery.config import FAIL_SAFE_HOURS, BigQueryConfig

SUBJECT_COLUMNS = ("user_hash", "session_hash")
PERSON_COLUMNS = (*SUBJECT_COLUMNS, "trace_id")  # a table with any of these may hold the person


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
    """Base tables (not views) with person columns (PERSON_COLUMNS) → those columns and `tenant_id`
    when they have it, from each dataset's INFORMATION_SCHEMA."""
    found: dict[str, list[str]] = {}
    wanted = ", ".join(f"'{c}'" for c in (*PERSON_COLUMNS, "tenant_id"))
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
    return {t: cols for t, cols in found.items() if set(cols) & set(PERSON_COLUMNS)}


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


def _person_filter(columns: list[str], tenant_id: str | None, with_traces: bool) -> str | None:
    """Rows of @subjects (user or session hash) and, with traces, rows of @traces naming no other
    user; within @tenant (rows without a tenant included) when a tenant is given."""
    parts = [f"`{c}` in unnest(@subjects)" for c in SUBJECT_COLUMNS if c in columns]
    if with_traces and "trace_id" in columns:
        own = (
            "(`user_hash` is null or `user_hash` in unnest(@subjects))" if "user_hash" in columns else "true"
        )
        parts.append(f"(`trace_id` in unnest(@traces) and {own})")
    if not parts:
        return None
    where = "(" + " or ".join(parts) + ")"
    if tenant_id and "tenant_id" in columns:
        where += " and (`tenant_id` is null or `tenant_id` = @tenant)"
    return where


def _parameters(hashes: list[str], traces: list[str], tenant_id: str | None) -> list:
    params: list = [
        bigquery.ArrayQueryParameter("subjects", "STRING", hashes),
        bigquery.ArrayQueryParameter("traces", "STRING", traces),
    ]
    if tenant_id:
        params.append(bigquery.ScalarQueryParameter("tenant", "STRING", tenant_id))
    return params


def subject_traces(
    client: bigquery.Client,
    config: BigQueryConfig,
    subject_hashes: Iterable[str],
    *,
    tenant_id: str | None = None,
    datasets: list[str] | None = None,
) -> set[str]:
    """Trace ids of the subjects' rows in BigQuery (tables with a trace_id and a subject column)."""
    hashes = sorted(set(subject_hashes))
    found: set[str] = set()
    if not hashes:
        return found
    job_config = bigquery.QueryJobConfig(query_parameters=_parameters(hashes, [], tenant_id))
    tables = subject_columns(client, config, datasets or warehouse_datasets(client, config))
    for table_id, columns in sorted(tables.items()):
        where = _person_filter(columns, tenant_id, with_traces=False)
        if "trace_id" not in columns or where is None:
            continue
        rows = client.query(
            f"select distinct `trace_id` from `{table_id}` where {where}", job_config=job_config
        ).result()
        found.update(r[0] for r in rows if r[0])
    return found


def erase_subjects(
    client: bigquery.Client,
    config: BigQueryConfig,
    subject_hashes: Iterable[str],
    *,
    traces: Iterable[str] = (),
    tenant_id: str | None = None,
    datasets: list[str] | None = None,
    skip_tables: Iterable[str] = (),
) -> ErasureResult:
    """Delete rows whose user_hash or session_hash is one of the hashes, and rows of the traces that
    name no other user (within a tenant if given)."""
    hashes = sorted(set(subject_hashes))
    trace_ids = sorted(set(traces))
    datasets = datasets or warehouse_datasets(client, config)
    result = ErasureResult(hashes[0] if hashes else "", tenant_id)
    skip = set(skip_tables)
    job_config = bigquery.QueryJobConfig(query_parameters=_parameters(hashes, trace_ids, tenant_id))
    for table_id, columns in sorted(subject_columns(client, config, datasets).items()):
        where = _person_filter(columns, tenant_id, with_traces=bool(trace_ids))
        if table_id in skip or not hashes or where is None:
            continue
        job = client.query(f"delete from `{table_id}` where {where}", job_config=job_config)
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
