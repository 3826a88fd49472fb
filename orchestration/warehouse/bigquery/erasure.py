"""Erase one subject from BigQuery by DML: every table of the lake and warehouse datasets that
holds a `user_hash` column.

A DELETE removes the rows from queries at once, but BigQuery keeps them readable by time travel
for the dataset's window (`max_time_travel_hours`, 48 to 168 hours) and then in fail-safe storage
for 7 more days. `physically_gone_at` = deleted + time travel + fail-safe is the honest
"completed" time for an erasure ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from google.cloud import bigquery

from orchestration.warehouse.bigquery.config import FAIL_SAFE_HOURS, BigQueryConfig

SUBJECT_COLUMN = "user_hash"


@dataclass
class ErasureResult:
    subject_hash: str
    tenant_id: str | None
    rows_by_table: dict[str, int] = field(default_factory=dict)
    deleted_at: datetime | None = None
    physically_gone_at: datetime | None = None

    @property
    def rows(self) -> int:
        return sum(self.rows_by_table.values())


def subject_tables(client: bigquery.Client, config: BigQueryConfig, datasets: list[str]) -> list[str]:
    """Base tables (not views) with a subject column, found in each dataset's INFORMATION_SCHEMA."""
    found: list[str] = []
    for dataset in datasets:
        sql = (f"select c.table_name from `{config.project}.{dataset}.INFORMATION_SCHEMA.COLUMNS` c "
               f"join `{config.project}.{dataset}.INFORMATION_SCHEMA.TABLES` t using (table_name) "
               f"where c.column_name = '{SUBJECT_COLUMN}' and t.table_type = 'BASE TABLE' "
               "and not starts_with(c.table_name, '_load_') order by 1")
        try:
            rows = client.query(sql).result()
        except Exception as err:  # a dataset that does not exist (yet) holds nobody
            if "Not found" in str(err) or "404" in str(err):
                continue
            raise
        found += [f"{config.project}.{dataset}.{r.table_name}" for r in rows]
    return found


def time_travel_hours(client: bigquery.Client, config: BigQueryConfig, dataset: str) -> int:
    try:
        hours = client.get_dataset(f"{config.project}.{dataset}").max_time_travel_hours
    except Exception:
        hours = None
    return int(hours or config.time_travel_hours)


def warehouse_datasets(client: bigquery.Client, config: BigQueryConfig) -> list[str]:
    """The lake dataset and dbt's datasets (<warehouse> and <warehouse>_<layer>)."""
    names = [d.dataset_id for d in client.list_datasets(config.project)]
    prefix = config.warehouse_dataset
    return [config.lake_dataset] + sorted(n for n in names if n == prefix or n.startswith(prefix + "_"))


def erase_subject(client: bigquery.Client, config: BigQueryConfig, subject_hash: str, *,
                  tenant_id: str | None = None, datasets: list[str] | None = None) -> ErasureResult:
    datasets = datasets or warehouse_datasets(client, config)
    result = ErasureResult(subject_hash, tenant_id)
    params = [bigquery.ScalarQueryParameter("subject", "STRING", subject_hash)]
    where = f"`{SUBJECT_COLUMN}` = @subject"
    if tenant_id:
        where += " and tenant_id = @tenant"
        params.append(bigquery.ScalarQueryParameter("tenant", "STRING", tenant_id))
    for table_id in subject_tables(client, config, datasets):
        job = client.query(f"delete from `{table_id}` where {where}",
                           job_config=bigquery.QueryJobConfig(query_parameters=params))
        job.result()
        result.rows_by_table[table_id] = int(job.num_dml_affected_rows or 0)
    result.deleted_at = datetime.now(UTC)
    window = max((time_travel_hours(client, config, d) for d in datasets), default=config.time_travel_hours)
    result.physically_gone_at = result.deleted_at + timedelta(hours=window + FAIL_SAFE_HOURS)
    return result
