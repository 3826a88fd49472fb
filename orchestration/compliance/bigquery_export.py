"""The compliance ledger's export on BigQuery: the dbt compliance sources read these four tables.

On DuckDB the dbt sources read the exported Parquet files directly; on BigQuery they read a
`compliance` dataset (SPANLEDGER_COMPLIANCE_SCHEMA), refreshed here with WRITE_TRUNCATE load jobs.
The tables are small (hashes of erased subjects, requests, policy rows, anonymous usage).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
from google.cloud import bigquery

from orchestration.compliance.ledger import Ledger
from orchestration.compliance.ledger_export import export_path
from orchestration.compliance.policy import load_policy
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.tables import _field, ensure_dataset

EXPORT_TABLES = ("erased_subjects", "erasure_requests", "retention_policy", "erased_usage")


def compliance_dataset() -> str:
    return os.environ.get("SPANLEDGER_COMPLIANCE_SCHEMA", "compliance")


def load_compliance_exports(
    client: bigquery.Client, config: BigQueryConfig, settings: Settings
) -> dict[str, int]:
    """Replace the four export tables with the current export; returns rows loaded per table."""
    if not all(export_path(settings, t).exists() for t in EXPORT_TABLES):
        with Ledger(settings) as ledger:  # before any compliance run: export the empty ledger
            ledger.export(load_policy(settings))
    dataset = compliance_dataset()
    ensure_dataset(client, config, dataset)
    loaded = {}
    for table in EXPORT_TABLES:
        path: Path = export_path(settings, table)
        schema = [_field(f) for f in pq.read_schema(path)]
        table_id = f"{config.project}.{dataset}.{table}"
        client.create_table(bigquery.Table(table_id, schema=schema), exists_ok=True)  # load jobs need it
        job_config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            schema=schema,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        )
        with open(path, "rb") as fh:
            client.load_table_from_file(fh, table_id, job_config=job_config).result()
        loaded[table] = pq.read_metadata(path).num_rows
    return loaded
