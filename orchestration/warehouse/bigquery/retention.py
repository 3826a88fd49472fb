"""Retention on BigQuery: partition expiration does the class default (set on the lake tables by
tables.ensure_table); a tenant whose override is shorter than the class is cleaned by DML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from google.cloud import bigquery

from orchestration.lake.schema import LAKE_TABLES
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.retention_classes import lake_table_expiration_days
from orchestration.warehouse.bigquery.tables import PARTITION_COLUMN


@dataclass(frozen=True)
class RetentionDelete:
    table_id: str
    tenant_id: str
    before: date  # rows with date < before go
    sql: str


def retention_deletes(config: BigQueryConfig, today: date, tenant_days: dict[str, int]) -> list[RetentionDelete]:
    """DML for tenants that keep lake data for fewer days than the table's class."""
    out = []
    for table in LAKE_TABLES:
        for tenant, days in sorted(tenant_days.items()):
            if days >= lake_table_expiration_days(table):
                continue  # partition expiration already removes it
            before = today - timedelta(days=days)
            table_id = config.table_id(table)
            sql = (f"delete from `{table_id}` where tenant_id = @tenant "
                   f"and `{PARTITION_COLUMN}` < date '{before.isoformat()}'")
            out.append(RetentionDelete(table_id, tenant, before, sql))
    return out


def apply_retention(client: bigquery.Client, config: BigQueryConfig, today: date,
                    tenant_days: dict[str, int], *, dry_run: bool = False) -> dict[tuple[str, str], int]:
    """Rows removed per (table, tenant); a dry run counts what would go."""
    removed: dict[tuple[str, str], int] = {}
    for item in retention_deletes(config, today, tenant_days):
        params = [bigquery.ScalarQueryParameter("tenant", "STRING", item.tenant_id)]
        job_config = bigquery.QueryJobConfig(query_parameters=params)
        if dry_run:
            sql = item.sql.replace("delete from", "select count(*) as n from", 1)
            removed[(item.table_id, item.tenant_id)] = next(iter(client.query(sql, job_config=job_config).result())).n
        else:
            job = client.query(item.sql, job_config=job_config)
            job.result()
            removed[(item.table_id, item.tenant_id)] = int(job.num_dml_affected_rows or 0)
    return removed
