"""CLI runs and Dagster runs are one history (issue 23, item 2), and the build shows progress (item 4).

`spanledger demo` through the real entry point, in a real 100-column terminal, lands and builds: dbt's
progress (nodes done of the total, the node at hand) is drawn while it runs; the Dagster instance in
its data directory (the one `spanledger ui` opens) then holds the landing, each lake table's day, every
dbt asset (the incremental ones for the demo's day) and an evaluation of every dbt test's asset check.
"""

from __future__ import annotations

import re
from pathlib import Path

from dagster import AssetKey, DagsterInstance
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from orchestration.defs.dbt.assets import dbt_incremental_models, dbt_unpartitioned_models
from orchestration.defs.partitions import LAKE_TABLE_NAMES, LANDING_KEY, daily_partitions
from tests.cli.terminal import in_terminal


def test_the_demo_shows_in_dagster_as_materialized_with_evaluated_checks(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    code, output = in_terminal(
        "--data-dir",
        str(data_dir),
        "demo",
        "--days",
        "1",
        "--requests-per-day",
        "20",
        columns=100,
        timeout=600,
    )
    assert code == 0, output
    assert "recorded in Dagster" in output and "dbt build ok" in output
    counts = [(int(d), int(t)) for d, t in re.findall(r"dbt build\s.*?(\d+) of (\d+) ", output)]
    assert len({done for done, _ in counts}) > 10, output[-3000:]  # drawn as it goes, not once at the end
    assert max(counts) == (counts[-1][1], counts[-1][1]) and counts[-1][1] > 200
    # the node at hand (which one a redraw catches depends on timing)
    assert re.search(r"\b(stg|int|fct|dim)_[a-z_]+", output), output[-3000:]
    lake_days = {p.name.removeprefix("date=") for p in (data_dir / "lake" / "spans").glob("date=*")}
    day = lake_days & set(daily_partitions.get_partition_keys())  # not the epoch day of unset timestamps
    assert len(day) == 1

    with DagsterInstance.from_config(str(data_dir / "dagster")) as instance:
        landing = instance.get_latest_materialization_event(LANDING_KEY)
        assert landing is not None
        assert landing.asset_materialization.metadata["recorded_by"].value == "spanledger demo"
        for table in ("spans", "logs", "metric_points"):
            assert table in LAKE_TABLE_NAMES
            assert instance.get_materialized_partitions(AssetKey(["lake", table])) == day

        for key in dbt_incremental_models.keys:
            assert instance.get_materialized_partitions(key) == day, key
        never = [
            k for k in dbt_unpartitioned_models.keys if instance.get_latest_materialization_event(k) is None
        ]
        assert not never, f"never materialized: {never}"

        check_keys = [*dbt_incremental_models.check_keys, *dbt_unpartitioned_models.check_keys]
        evaluated = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
        assert len(check_keys) > 100
        assert set(evaluated) == set(check_keys), set(check_keys) - set(evaluated)
        assert {record.status for record in evaluated.values()} == {AssetCheckExecutionRecordStatus.SUCCEEDED}
