"""The ledger's export for the dbt compliance tests: small Parquet files
``<data>/state/compliance-export-<table>.parquet``, read by the dbt source ``compliance`` (and loaded into
BigQuery beside the lake). Written atomically, whole, after every compliance job."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from orchestration.lake.writer import write_table_atomically
from orchestration.settings import Settings


def export_path(settings: Settings, table: str) -> Path:
    return settings.state_dir / f"compliance-export-{table}.parquet"


def write_export(
    settings: Settings,
    erased: list[dict[str, Any]],
    requests: list[dict[str, Any]],
    policy_rows: list[dict[str, Any]],
    usage: list[dict[str, Any]],
) -> None:
    write_table_atomically(
        pa.Table.from_pylist(erased, schema=ERASED_SCHEMA), export_path(settings, "erased_subjects")
    )
    kept = [
        {k: r[k] for k in ("request_id", "tenant_id", "requested_at", "due_at", "status", "completed_at")}
        for r in requests
    ]
    for r in kept:
        for k in ("requested_at", "due_at", "completed_at"):
            r[k] = datetime.fromisoformat(r[k]) if r[k] else None
    write_table_atomically(
        pa.Table.from_pylist(kept, schema=REQUESTS_SCHEMA), export_path(settings, "erasure_requests")
    )
    write_table_atomically(
        pa.Table.from_pylist(policy_rows, schema=POLICY_SCHEMA), export_path(settings, "retention_policy")
    )
    write_table_atomically(
        pa.Table.from_pylist(usage, schema=USAGE_SCHEMA), export_path(settings, "erased_usage")
    )


ERASED_SCHEMA = pa.schema(
    [
        ("subject_hash", pa.string()),
        ("tenant_id", pa.string()),
        ("request_id", pa.string()),
        ("completed_at", pa.string()),
    ]
)
REQUESTS_SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("tenant_id", pa.string()),
        ("requested_at", pa.timestamp("us", tz="UTC")),
        ("due_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("completed_at", pa.timestamp("us", tz="UTC")),
    ]
)
USAGE_SCHEMA = pa.schema(
    [
        ("call_date", pa.date32()),
        ("tenant_id", pa.string()),
        ("llm_call_count", pa.int64()),
        ("total_tokens", pa.int64()),
        ("cost_usd", pa.decimal128(38, 9)),
        ("reported_cost_usd", pa.decimal128(38, 9)),
    ]
)
POLICY_SCHEMA = pa.schema(
    [("data_class", pa.string()), ("tenant_id", pa.string()), ("retention_days", pa.int64())]
)
