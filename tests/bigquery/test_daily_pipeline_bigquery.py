"""On SPANLEDGER_WAREHOUSE=bigquery the daily job keeps its name and schedule and runs
land → load the day into BigQuery → dbt build on the bigquery target; on DuckDB nothing changes.

The shape is read from the real code location (a subprocess: the definitions depend on the
environment at import). The first two steps run for real, in process, against the emulator; the
dbt step on the bigquery target is covered by test_dbt_bigquery.py (the emulator cannot run dbt's
data tests, which `dbt build` includes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyarrow.dataset as ds
from google.cloud import bigquery

from orchestration.warehouse.bigquery.loader import lake_days

SHAPE = """
import json, warnings
warnings.simplefilter("ignore")
import orchestration.definitions as d
job = d.defs.resolve_job_def("daily_pipeline")
deps = job.graph.dependency_structure
upstream = {node: sorted({o.node_name for outs in deps.input_to_upstream_outputs_for_node(node).values() for o in outs})
            for node in job.graph.node_dict}
schedule = d.defs.resolve_schedule_def("daily_pipeline_schedule")
graph = d.defs.resolve_asset_graph()
keys = sorted("/".join(k.path) for k in job.asset_layer.selected_asset_keys)
print(json.dumps({"keys": keys, "upstream": upstream, "cron": schedule.cron_schedule, "job": schedule.job_name}))
"""

RUN = """
import json, sys, warnings
warnings.simplefilter("ignore")
from dagster import AssetKey
import orchestration.definitions as d
from orchestration.defs.bigquery.assets import BIGQUERY_LOAD_KEYS
from orchestration.defs.partitions import LANDING_KEY
job = d.defs.resolve_job_def("daily_pipeline")
result = job.execute_in_process(partition_key=sys.argv[1], asset_selection=[LANDING_KEY, *BIGQUERY_LOAD_KEYS])
rows = {"/".join(e.asset_key.path): e.materialization.metadata.get("rows").value
        for e in result.get_asset_materialization_events() if e.materialization.metadata.get("rows")}
order = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
print(json.dumps({"success": result.success, "rows": rows, "order": order}))
"""


def _python(code: str, env: dict[str, str], *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _env(data_dir, warehouse: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPANLEDGER_")}
    return {**env, "SPANLEDGER_WAREHOUSE": warehouse, "SPANLEDGER_DATA_DIR": str(data_dir), **extra}


def test_daily_pipeline_loads_bigquery_between_landing_and_dbt(tmp_path):
    shape = _python(SHAPE, _env(tmp_path, "bigquery"))
    assert (shape["job"], shape["cron"]) == ("daily_pipeline", "0 2 * * *")
    assert {
        "bigquery/lake/spans",
        "bigquery/lake/logs",
        "bigquery/compliance/ledger_export",
        "lake/landing",
    } <= set(shape["keys"])
    up = shape["upstream"]
    assert "lake__landing" in up["bigquery_lake_tables"]
    dbt_reading_lake = [n for n, ups in up.items() if n.startswith("dbt_") and "lake__landing" in ups]
    assert dbt_reading_lake
    # every dbt step that reads the lake waits for the BigQuery load of it (or of the ledger export)
    assert all(
        {"bigquery_lake_tables", "bigquery__compliance__ledger_export"} & set(up[n]) for n in dbt_reading_lake
    ), up


def test_daily_pipeline_on_duckdb_has_no_bigquery_step(tmp_path):
    shape = _python(SHAPE, _env(tmp_path, "duckdb"))
    assert (shape["job"], shape["cron"]) == ("daily_pipeline", "0 2 * * *")
    assert not [k for k in shape["keys"] if k.startswith("bigquery/")]
    assert not [n for n in shape["upstream"] if n.startswith("bigquery")]


def test_daily_pipeline_lands_and_loads_a_day_on_the_emulator(bq_client, bq_config, landed):
    day = lake_days(landed)[-1]
    env = _env(
        landed.data_dir,
        "bigquery",
        SPANLEDGER_BQ_API_ENDPOINT=bq_config.api_endpoint,
        SPANLEDGER_BQ_PROJECT=bq_config.project,
        SPANLEDGER_LAKE_SCHEMA="lake_daily",
        SPANLEDGER_COMPLIANCE_SCHEMA="compliance_daily",
    )
    run = _python(RUN, env, day)
    assert run["success"]
    assert run["order"].index("lake__landing") < run["order"].index("bigquery_lake_tables")
    lake = ds.dataset(landed.table_dir("spans"), format="parquet", partitioning="hive").to_table(
        filter=ds.field("date") == day
    )
    assert run["rows"]["bigquery/lake/spans"] == lake.num_rows > 0
    job = bq_client.query(
        f"select count(*) from `{bq_config.project}.lake_daily.spans` where date = @d",
        job_config=bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter("d", "DATE", day)]
        ),
    )
    assert next(iter(job.result()))[0] == lake.num_rows
    assert bq_client.get_table(f"{bq_config.project}.compliance_daily.erasure_requests") is not None
