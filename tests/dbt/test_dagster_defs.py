"""The Dagster code location loads with the dbt assets, and a daily partition runs dbt for that day."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.dbt_invocations import invocation_dirs, prune_invocation_dirs
from orchestration.warehouse.dbt_runner import PROJECT_DIR, dbt_target_dir
from tests.dbt.conftest import query

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    from dagster import AssetKey, DagsterInstance
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    graph = repo.asset_graph
    assert AssetKey(["lake", "spans"]) in graph.get(AssetKey(["staging", "stg_otlp__spans"])).parent_keys
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys() if k.path[0] != "lake"}
    assert {"staging", "intermediate", "finops", "reliability", "evals"} <= groups, groups
    assert graph.asset_check_keys, "dbt tests should be asset checks"
    assert graph.get(AssetKey(["finops", "fct_llm_costs_daily"])).partitions_def is not None

    # landing runs before dbt in the daily pipeline (through staging's dependency on the landing asset)
    from dagster._core.execution.api import create_execution_plan

    plan = create_execution_plan(defs.resolve_job_def("daily_pipeline"))
    deps = {s.key: set(s.get_execution_dependency_keys()) for s in plan.get_all_steps_in_topo_order()}

    def upstream(key):
        seen, todo = set(), [key]
        while todo:
            for d in deps[todo.pop()]:
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    assert "lake__landing" in upstream("dbt_incremental_models"), deps

    from dagster import build_schedule_context
    from datetime import datetime, timezone
    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")
    request = schedule.evaluate_tick(build_schedule_context(repository_def=repo, 
        scheduled_execution_time=datetime(2025, 4, 1, 2, tzinfo=timezone.utc))).run_requests[0]
    assert request.partition_key == "2025-03-31"

    # off by default: a demo or a laptop runs nothing on its own
    automations = [*repo.schedule_defs, *repo.sensor_defs]
    assert len(automations) >= 7 and {a.default_status.value for a in automations} == {"STOPPED"}

    instance = DagsterInstance.ephemeral()
    assert defs.resolve_job_def("warehouse_refresh") is not None  # seeds, views, whole-history marts
    daily = defs.resolve_job_def("warehouse_daily").execute_in_process(partition_key="2025-03-31", instance=instance)
    assert daily.success
    print("OK")
    """
)


def test_definitions_load_and_a_partition_builds(built_warehouse: Settings) -> None:
    env = {
        **os.environ,
        "SPANLEDGER_DATA_DIR": str(built_warehouse.data_dir),
        "SPANLEDGER_PARTITIONS_START": "2025-03-01",
    }
    before = query(built_warehouse, "select count(*), sum(total_cost_usd) from finops.fct_llm_costs_daily")
    in_checkout = set((PROJECT_DIR / "target").glob("*-*-*"))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a dbt parse and a partition build; minutes on a loaded 2-core machine
        check=False,
    )
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (
        query(built_warehouse, "select count(*), sum(total_cost_usd) from finops.fct_llm_costs_daily")
        == before
    )
    # dbt's artifacts stay in the data dir (not the checkout), and the run's later dbt steps start from
    # the parse of the first instead of parsing every node again.
    assert set((PROJECT_DIR / "target").glob("*-*-*")) == in_checkout
    invocations = invocation_dirs(dbt_target_dir(built_warehouse))
    # one invocation a dbt step of the run (the two dbt asset definitions alternate along the lineage)
    assert len(invocations) >= 2, invocations
    steps = {re.sub(r"_\d+$", "", p.name.split("-")[0]) for p in invocations}  # dbt_incremental_models_2
    assert steps == {"dbt_incremental_models", "dbt_unpartitioned_models"}, invocations
    full_parses = [
        p.name for p in invocations if '"code": "I024"' in (p / "dbt.log").read_text()
    ]  # I024: full parse
    assert len(full_parses) <= 1, full_parses


AUTOMATION_SCRIPT = """
from orchestration.definitions import defs
repo = defs.get_repository_def()
for automation in [*repo.schedule_defs, *repo.sensor_defs]:
    print(automation.name, automation.default_status.value)
"""


def test_spanledger_automation_on_starts_every_schedule_and_sensor(tmp_path: Path) -> None:
    def statuses(value: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "SPANLEDGER_DATA_DIR": str(tmp_path), "SPANLEDGER_AUTOMATION": value}
        return subprocess.run(
            [sys.executable, "-c", AUTOMATION_SCRIPT],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    on = statuses("on")
    assert on.returncode == 0, on.stderr[-3000:]
    names = dict(line.split() for line in on.stdout.splitlines())
    readme = (REPO / "README.md").read_text()
    assert set(names.values()) == {"RUNNING"} and len(names) >= 7
    assert all(f"`{name}`" in readme for name in names), "the README names every schedule and sensor"
    bad = statuses("sometimes")
    assert bad.returncode != 0 and "SPANLEDGER_AUTOMATION='sometimes': write on or off" in bad.stderr


def test_only_the_newest_invocation_folders_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "target"
    names = [f"dbt_incremental_models-{run:07x}-{n:07x}" for run in range(4) for n in range(5)]
    for age, name in enumerate(names):
        (target / name).mkdir(parents=True)
        os.utime(target / name, (1_000_000 + age, 1_000_000 + age))
    (target / "compiled").mkdir()  # dbt's own folders are never touched
    deleted = prune_invocation_dirs(target, keep=7)
    assert sorted(p.name for p in deleted) == sorted(names[:13])
    assert sorted(p.name for p in target.iterdir()) == sorted([*names[13:], "compiled"])


def test_processes_loading_the_code_location_at_once_read_a_whole_manifest(tmp_path: Path) -> None:
    """Two processes load a fresh data directory together, beside a target/manifest.json half
    written (as a build running elsewhere leaves it): both load, from one whole published manifest."""
    half_written = dbt_target_dir(Settings.from_env(tmp_path)) / "manifest.json"
    half_written.parent.mkdir(parents=True)
    half_written.write_text('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manif')
    env = {**os.environ, "SPANLEDGER_DATA_DIR": str(tmp_path), "SPANLEDGER_AUTOMATION": "off"}
    script = "from orchestration.defs.dbt.resources import manifest_path; print(manifest_path)"
    loaders = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [loader.communicate(timeout=300) for loader in loaders]
    assert [loader.returncode for loader in loaders] == [0, 0], [err[-2000:] for _, err in outputs]
    (published,) = {out.strip() for out, _ in outputs}
    manifest = json.loads(Path(published).read_text())
    assert "model.spanledger.fct_llm_costs_daily" in manifest["nodes"]
    assert not [p for p in Path(published).parent.iterdir() if p.name.startswith(".parse-")]
