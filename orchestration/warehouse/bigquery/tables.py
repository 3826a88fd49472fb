"""Lake tables in BigQuery: the Arrow contract (orchestration/lake/schema.py) as BigQuery schemas,
partitioned by the event `date` (the lake's hive partition), clustered by tenant, with partition
expiration from the retention classes."""

from __future__ import annotations

import pyarrow as pa
from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from orchestration.lake.schema import LAKE_TABLES
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.retention_classes import lake_table_expiration_days

PARTITION_COLUMN = "date"
CLUSTER_COLUMNS = ["tenant_id"]
DAY_MS = 86_400_000


def _field(field: pa.Field) -> bigquery.SchemaField:
    kind, mode = field.type, "NULLABLE" if field.nullable else "REQUIRED"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        kind, mode = kind.value_type, "REPEATED"
    if pa.types.is_struct(kind):
        return bigquery.SchemaField(field.name, "RECORD", mode=mode, fields=[_field(f) for f in kind])
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        name = "STRING"
    elif pa.types.is_integer(kind):
        name = "INT64"
    elif pa.types.is_floating(kind):
        name = "FLOAT64"
    elif pa.types.is_boolean(kind):
        name = "BOOL"
    elif pa.types.is_timestamp(kind):
        name = "TIMESTAMP"
    elif pa.types.is_date(kind):
        name = "DATE"
    elif pa.types.is_decimal(kind):
        name = "NUMERIC" if kind.precision - kind.scale <= 29 and kind.scale <= 9 else "BIGNUMERIC"
    elif pa.types.is_binary(kind):
        name = "BYTES"
    else:
        raise TypeError(f"no BigQuery type for {field.name}: {kind}")
    return bigquery.SchemaField(field.name, name, mode=mode)


def arrow_schema(table: str) -> pa.Schema:
    """The lake schema plus the partition column (a directory in the lake, a column here)."""
    return LAKE_TABLES[table].append(pa.field(PARTITION_COLUMN, pa.date32(), nullable=False))


def bigquery_schema(table: str) -> list[bigquery.SchemaField]:
    return [_field(f) for f in arrow_schema(table)]


def table_definition(config: BigQueryConfig, table: str, *, table_id: str | None = None) -> bigquery.Table:
    definition = bigquery.Table(table_id or config.table_id(table), schema=bigquery_schema(table))
    definition.time_partitioning = bigquery.TimePartitioning(
        type_=bigquery.TimePartitioningType.DAY,
        field=PARTITION_COLUMN,
        expiration_ms=lake_table_expiration_days(table) * DAY_MS,
    )
    definition.clustering_fields = CLUSTER_COLUMNS
    definition.description = (
        f"Spanledger lake table `{table}`: one partition per event date (UTC), "
        f"loaded from <lake>/{table}/date=YYYY-MM-DD/*.parquet"
    )
    definition.labels = {"spanledger": "lake"}
    return definition


def ensure_dataset(client: bigquery.Client, config: BigQueryConfig, dataset: str | None = None) -> None:
    ref = bigquery.Dataset(f"{config.project}.{dataset or config.lake_dataset}")
    ref.location = config.location
    client.create_dataset(ref, exists_ok=True)


def ensure_table(client: bigquery.Client, config: BigQueryConfig, table: str) -> bigquery.Table:
    """Create the table (load jobs need it to exist with its partitioning), or bring its partition
    expiration in line with the retention class."""
    wanted = table_definition(config, table)
    try:
        current = client.get_table(wanted.reference)
    except NotFound:
        return client.create_table(wanted)
    partitioning = current.time_partitioning
    if partitioning is None or partitioning.field != PARTITION_COLUMN:
        raise RuntimeError(
            f"{current.full_table_id} exists but is not partitioned by {PARTITION_COLUMN}: "
            "drop it or load into another dataset"
        )
    if partitioning.expiration_ms != wanted.time_partitioning.expiration_ms:
        current.time_partitioning = wanted.time_partitioning
        current = client.update_table(current, ["time_partitioning"])
    return current


def ensure_lake(client: bigquery.Client, config: BigQueryConfig, tables: list[str] | None = None) -> None:
    ensure_dataset(client, config)
    for table in tables or list(LAKE_TABLES):
        ensure_table(client, config, table)
