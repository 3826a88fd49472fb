"""In a real in-process Dagster run, a failing blocking lake check stops the dbt build of that partition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa

from tests.quality.conftest import last_day, rewrite_partition

REPO = Path(__file__).resolve().parents[2]

# Definitions read the data directory from the environment at import: run in a fresh interpreter.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    from dagster import AssetKey, DagsterEventType, DagsterInstance
    from orchestration.definitions import defs

    day = sys.argv[1]
    result = defs.resolve_job_def("warehouse_daily").execute_in_process(
        partition_key=day, instance=DagsterInstance.ephemeral(), raise_on_error=False)
    evaluations = {}
    for e in result.all_events:
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = e.asset_check_evaluation_data
            evaluations[ev.asset_check_key.to_user_string()] = {
                "passed": ev.passed, "severity": ev.severity.value, "description": ev.description,
                "metadata": sorted(ev.metadata), "results": ev.metadata["results"].value
                if "results" in ev.metadata else None}
    print(json.dumps({
        "success": result.success,
        "executed": sorted(e.step_key for e in result.all_events if e.event_type == DagsterEventType.STEP_START),
        "skipped": sorted(e.step_key for e in result.all_events if e.event_type == DagsterEventType.STEP_SKIPPED),
        "failures": [e.event_specific_data.error.message for e in result.all_events
                     if e.event_type == DagsterEventType.STEP_FAILURE],
        "materialized": sorted(e.asset_key.to_user_string() for e in result.all_events
                               if e.event_type == DagsterEventType.ASSET_MATERIALIZATION),
        "evaluations": evaluations}))
    """
)


def test_blocking_check_stops_the_partitions_dbt_build(lake):
    day = last_day()

    def negative_tokens(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index("output_tokens")
        values = [(-v if v else v) for v in t["output_tokens"].to_pylist()]
        return t.set_column(i, t.schema.field(i), pa.array(values, pa.int64()))

    rewrite_partition(lake, "spans", day, negative_tokens)
    env = {
        **os.environ,
        "SPANLEDGER_DATA_DIR": str(lake.data_dir),
        "SPANLEDGER_PARTITIONS_START": "2025-03-01",
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, day],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = json.loads(proc.stdout.strip().splitlines()[-1])

    spans = run["evaluations"]["lake/spans:great_expectations"]
    assert spans["passed"] is False and spans["severity"] == "ERROR"
    assert "output_tokens" in spans["description"]
    assert {"results", "failures", "rows", "partition"} <= set(spans["metadata"])
    assert "expect_column_values_to_be_between" in spans["results"] and "❌" in spans["results"]
    assert run["evaluations"]["lake/logs:great_expectations"]["passed"] is True

    assert not run["success"]
    assert not any(step.startswith("dbt_") for step in run["executed"]), run["executed"]
    assert not run["materialized"]  # no model of the warehouse was built on the bad partition
    assert any("blocking asset check" in f and "lake/spans" in f for f in run["failures"]), run["failures"]
    assert not lake.warehouse_path.exists()
