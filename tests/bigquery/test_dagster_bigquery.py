"""The BigQuery area joins the code location only when SPANLEDGER_WAREHOUSE=bigquery, and loads a
partition on the emulator."""

from __future__ import annotations

import subprocess
import sys

from dagster import materialize

from orchestration.defs.bigquery.assets import bigquery_asset_key, bigquery_lake_tables
from orchestration.defs.bigquery.resources import BigQueryResource
from orchestration.defs.resources import SpanledgerResource
from orchestration.warehouse.bigquery.loader import lake_days

CHECK = (
    "import orchestration.definitions as d; "
    "print(any(k.path[:1] == ['bigquery'] for k in d.defs.resolve_asset_graph().get_all_asset_keys()))"
)


def _has_bigquery_assets(tmp_path, warehouse: str) -> str:
    env = {"SPANLEDGER_WAREHOUSE": warehouse, "SPANLEDGER_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def test_definitions_include_bigquery_only_when_selected(tmp_path):
    assert _has_bigquery_assets(tmp_path, "bigquery") == "True"


def test_bigquery_asset_loads_a_partition(monkeypatch, bq_config, landed):
    monkeypatch.setenv("SPANLEDGER_BQ_API_ENDPOINT", bq_config.api_endpoint)
    monkeypatch.setenv("SPANLEDGER_BQ_PROJECT", bq_config.project)
    monkeypatch.setenv("SPANLEDGER_LAKE_SCHEMA", "lake_dagster")
    day = lake_days(landed)[0]
    result = materialize(
        [bigquery_lake_tables],
        partition_key=day,
        resources={
            "spanledger": SpanledgerResource(data_dir=str(landed.data_dir)),
            "bigquery": BigQueryResource(),
        },
    )
    assert result.success
    materializations = [
        e.event_specific_data.materialization for e in result.get_asset_materialization_events()
    ]
    rows = {m.asset_key: m.metadata["rows"].value for m in materializations}
    assert rows[bigquery_asset_key("spans")] > 0
