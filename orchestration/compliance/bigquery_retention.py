"""Retention on BigQuery: partition expiration removes a class's days after the class's expiration
(set on the lake tables by tables.ensure_table, on the dbt models by dbt_project.yml); rows that the
compliance policy keeps for less than that go by DML:

- tenants whose override of a class is shorter than the table's expiration;
- everyone else when the class default is shorter (the expiration follows a tenant that keeps
  data longer);
- every row past its tenant's cutoff in tables without partition expiration (unpartitioned models).

Which model belongs to which class, and which column dates its rows, is the same dbt configuration
the DuckDB warehouse uses (orchestration/compliance/catalog.py). Run by `spanledger retention apply`
and the Dagster retention job when SPANLEDGER_WAREHOUSE=bigquery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from orchestration.compliance.policy import RetentionPolicy
from orchestration.lake.schema import LAKE_TABLES
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.retention_classes import (
    LAKE_TABLE_CLASS,
    class_days,
    lake_table_expiration_days,
)
from orchestration.warehouse.bigquery.tables import PARTITION_COLUMN


@dataclass(frozen=True)
class RetainedTable:
    table_id: str
    data_class: str
    date_expression: str  # SQL giving the row's DATE
    has_tenant: bool
    expiration_days: int | None  # partition expiration; None = none (DML removes everything due)


@dataclass(frozen=True)
class RetentionDelete:
    table_id: str
    tenant_id: str | None  # None: every tenant without an override of the class
    before: date  # rows dated before this go
    sql: str
    params: tuple[bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter, ...] = ()
    data_class: str = ""


def lake_tables(config: BigQueryConfig) -> list[RetainedTable]:
    return [
        RetainedTable(
            config.table_id(t),
            LAKE_TABLE_CLASS[t],
            f"`{PARTITION_COLUMN}`",
            True,
            lake_table_expiration_days(t),
        )
        for t in LAKE_TABLES
    ]


def model_tables(
    client: bigquery.Client, config: BigQueryConfig, settings
) -> tuple[list[RetainedTable], list[str]]:
    """dbt's tables in the `<warehouse>_*` datasets with their class (dbt meta) and date column;
    and the tables left out, with why."""
    from orchestration.compliance.catalog import classify
    from orchestration.compliance.warehouse import WarehouseTable
    from orchestration.warehouse.bigquery.erasure import warehouse_datasets

    prefix = config.warehouse_dataset
    tables: list[WarehouseTable] = []
    types: dict[tuple[str, str], dict[str, str]] = {}
    partitioned: set[tuple[str, str]] = set()
    for dataset in warehouse_datasets(client, config):
        if dataset == config.lake_dataset:
            continue
        sql = (
            f"select c.table_name, c.column_name, c.data_type, c.is_partitioning_column "
            f"from `{config.project}.{dataset}.INFORMATION_SCHEMA.COLUMNS` c "
            f"join `{config.project}.{dataset}.INFORMATION_SCHEMA.TABLES` t using (table_name) "
            "where t.table_type = 'BASE TABLE' order by c.table_name, c.ordinal_position"
        )
        columns: dict[str, list[str]] = {}
        for r in client.query(sql).result():
            columns.setdefault(r.table_name, []).append(r.column_name)
            types.setdefault((dataset, r.table_name), {})[r.column_name] = r.data_type
            if r.is_partitioning_column == "YES":
                partitioned.add((dataset, r.table_name))
        tables += [WarehouseTable(dataset, name, tuple(cols)) for name, cols in columns.items()]
    # dbt's manifest names the bigquery target's datasets; without one, classes go by layer name.
    found = {(item.table.schema, item.table.name): item for item in classify(settings, tables)}
    unknown = [
        t
        for t in tables
        if found[(t.schema, t.name)].data_class is None and t.schema.startswith(prefix + "_")
    ]
    for item in classify(
        settings, [WarehouseTable(t.schema.removeprefix(prefix + "_"), t.name, t.columns) for t in unknown]
    ):
        if item.data_class is not None:
            found[(prefix + "_" + item.table.schema, item.table.name)] = item
    out, skipped = [], []
    for (dataset, name), item in sorted(found.items()):
        table_id = f"{config.project}.{dataset}.{name}"
        if item.data_class is None or item.date_column is None:
            skipped.append(f"{table_id}: {item.reason}")
            continue
        column = f"`{item.date_column}`"
        expression = column if types[(dataset, name)].get(item.date_column) == "DATE" else f"date({column})"
        out.append(
            RetainedTable(
                table_id,
                item.data_class,
                expression,
                "tenant_id" in item.table.columns,
                class_days(item.data_class) if (dataset, name) in partitioned else None,
            )
        )
    return out, skipped


def retention_deletes(
    tables: list[RetainedTable], today: date, policy: RetentionPolicy
) -> list[RetentionDelete]:
    """DML for whoever keeps a table's rows for fewer days than its partition expiration."""
    out = []
    for t in tables:
        expiration = t.expiration_days if t.expiration_days is not None else float("inf")
        overrides = policy.overrides(t.data_class) if t.has_tenant else {}
        for tenant, days in sorted(overrides.items()):
            if days >= expiration:
                continue  # partition expiration already removes it
            before = today - timedelta(days=days)
            sql = (
                f"delete from `{t.table_id}` where tenant_id = @tenant "
                f"and {t.date_expression} < date '{before.isoformat()}'"
            )
            out.append(
                RetentionDelete(
                    t.table_id,
                    tenant,
                    before,
                    sql,
                    (bigquery.ScalarQueryParameter("tenant", "STRING", tenant),),
                    t.data_class,
                )
            )
        default = policy.default_days[t.data_class]
        if default < expiration:  # the expiration follows a tenant that keeps data longer, or there is none
            before = today - timedelta(days=default)
            who, params = "true", ()
            if t.has_tenant:
                who = "(tenant_id is null or tenant_id not in unnest(@overridden))"
                params = (bigquery.ArrayQueryParameter("overridden", "STRING", sorted(overrides)),)
            sql = f"delete from `{t.table_id}` where {who} and {t.date_expression} < date '{before.isoformat()}'"
            out.append(RetentionDelete(t.table_id, None, before, sql, params, t.data_class))
    return out


def apply_retention(
    client: bigquery.Client,
    config: BigQueryConfig,
    today: date,
    policy: RetentionPolicy,
    *,
    dry_run: bool = False,
    tables: list[RetainedTable] | None = None,
) -> list[tuple[RetentionDelete, int]]:
    """Each DML with the rows it removed (a dry run counts what would go); `tables` default to the
    lake tables (add `model_tables(...)[0]` for dbt's). A table that does not exist yet holds nothing."""
    done = []
    for item in retention_deletes(lake_tables(config) if tables is None else tables, today, policy):
        job_config = bigquery.QueryJobConfig(query_parameters=list(item.params))
        try:
            if dry_run:
                sql = item.sql.replace("delete from", "select count(*) as n from", 1)
                done.append((item, int(next(iter(client.query(sql, job_config=job_config).result())).n)))
            else:
                job = client.query(item.sql, job_config=job_config)
                job.result()
                done.append((item, int(job.num_dml_affected_rows or 0)))
        except NotFound:
            done.append((item, 0))
    return done
