"""Retention on BigQuery: partition expiration removes a class's days after the class's expiration
(set on the lake tables by tables.ensure_table, on the dbt models by dbt_project.yml); tenants that
keep data for less than that, by the compliance policy, are cleaned by DML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from google.cloud import bigquery

from orchestration.compliance.policy import RetentionPolicy
from orchestration.lake.schema import LAKE_TABLES
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.retention_classes import LAKE_TABLE_CLASS, lake_table_expiration_days
from orchestration.warehouse.bigquery.tables import PARTITION_COLUMN


@dataclass(frozen=True)
class RetentionDelete:
    table_id: str
    tenant_id: str | None  # None: every tenant without an override of the class
    before: date  # rows with date < before go
    sql: str
    params: tuple[bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter, ...] = ()


def retention_deletes(config: BigQueryConfig, today: date, policy: RetentionPolicy) -> list[RetentionDelete]:
    """DML for whoever keeps lake data for fewer days than the table's partition expiration."""
    out = []
    for table in LAKE_TABLES:
        data_class, expiration = LAKE_TABLE_CLASS[table], lake_table_expiration_days(table)
        table_id = config.table_id(table)
        overrides = policy.overrides(data_class)
        for tenant, days in sorted(overrides.items()):
            if days >= expiration:
                continue  # partition expiration already removes it
            before = today - timedelta(days=days)
            sql = (f"delete from `{table_id}` where tenant_id = @tenant "
                   f"and `{PARTITION_COLUMN}` < date '{before.isoformat()}'")
            out.append(RetentionDelete(table_id, tenant, before, sql,
                                       (bigquery.ScalarQueryParameter("tenant", "STRING", tenant),)))
        default = policy.default_days[data_class]
        if default < expiration:  # the expiration follows a tenant that keeps data longer
            before = today - timedelta(days=default)
            sql = (f"delete from `{table_id}` where (tenant_id is null or tenant_id not in unnest(@overridden)) "
                   f"and `{PARTITION_COLUMN}` < date '{before.isoformat()}'")
            out.append(RetentionDelete(table_id, None, before, sql,
                                       (bigquery.ArrayQueryParameter("overridden", "STRING", sorted(overrides)),)))
    return out


def apply_retention(client: bigquery.Client, config: BigQueryConfig, today: date, policy: RetentionPolicy,
                    *, dry_run: bool = False) -> dict[tuple[str, str | None], int]:
    """Rows removed per (table, tenant or None for the default); a dry run counts what would go."""
    removed: dict[tuple[str, str | None], int] = {}
    for item in retention_deletes(config, today, policy):
        job_config = bigquery.QueryJobConfig(query_parameters=list(item.params))
        if dry_run:
            sql = item.sql.replace("delete from", "select count(*) as n from", 1)
            removed[(item.table_id, item.tenant_id)] = next(iter(client.query(sql, job_config=job_config).result())).n
        else:
            job = client.query(item.sql, job_config=job_config)
            job.result()
            removed[(item.table_id, item.tenant_id)] = int(job.num_dml_affected_rows or 0)
    return removed
