"""What the CLI did, in the Dagster instance of its data directory: CLI runs and Dagster runs are one
history, so after `spanledger demo` the UI shows the lake's partitions and the warehouse's assets as
materialized and dbt's tests as evaluated checks.

The CLI lands and builds itself (its own progress and errors), then reports the results as runless
asset events (`DagsterInstance.report_runless_asset_event`): the landing asset and each lake table
partition it touched; after a successful `dbt build` every model and seed it built (the incremental
models once per day of the build) and every test as an asset check evaluation (warn: a failed check of
WARN severity), mapped to asset and check keys by the same translator as the Dagster definitions. A
failed build records nothing: its warehouse copy was thrown away. Recording is best effort: a Dagster
instance that cannot be opened is a warning, never a failed landing or build.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
)

from orchestration.defs.partitions import LAKE_TABLE_NAMES, LANDING_KEY, daily_partitions, lake_asset_key_path
from orchestration.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILT_RESOURCES = ("model.", "seed.", "snapshot.")


def prepare_dagster_home(settings: Settings) -> Path:
    """<data-dir>/dagster with the project's dagster.yaml (instance settings), as `spanledger ui` uses it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def open_instance(settings: Settings) -> DagsterInstance:
    return DagsterInstance.from_config(str(prepare_dagster_home(settings)))


def _valid_days(days: Iterable[str]) -> list[str]:
    """Days inside the partitions definition (a record dated 1970 is landed but has no partition)."""
    keys = set(daily_partitions.get_partition_keys())
    return sorted({day for day in days if day in keys})


def lake_table_materializations(days_by_table: dict[str, list[str]], metadata: dict[str, Any]):
    """One materialization per lake table and event date a landing touched."""
    for table, days in days_by_table.items():
        if table not in LAKE_TABLE_NAMES:
            continue
        for day in _valid_days(days):
            yield AssetMaterialization(
                asset_key=AssetKey(lake_asset_key_path(table)), partition=day, metadata=metadata
            )


def landing_events(report, command: str) -> list[AssetMaterialization]:
    meta = report.to_metadata()
    if not meta["files_landed"]:
        return []
    summary = {
        "recorded_by": command,
        "files": meta["files_landed"],
        "records": meta["records_in"],
        "records_landed": meta["records_landed"],
        "quarantined": meta["records_quarantined"],
        "days": json.dumps(report.days),
    }
    return [
        AssetMaterialization(asset_key=LANDING_KEY, metadata=summary),
        *lake_table_materializations(report.days, {"recorded_by": command}),
    ]


def _lake_days(settings: Settings) -> list[str]:
    spans = settings.lake_dir / "spans"
    return [p.name.removeprefix("date=") for p in spans.glob("date=*")] if spans.is_dir() else []


def dbt_build_events(settings: Settings, target_dir: Path, command: str, days: Iterable[str] | None = None):
    """Materializations and check evaluations of the `dbt build` whose results are in `target_dir`.

    Incremental models are partitioned by day in Dagster: they are recorded for `days` (the days the
    landing touched), or for every day of the lake when unknown (`spanledger build`).
    """
    from dagster_dbt.asset_utils import get_asset_check_key_for_test

    from orchestration.defs.dbt.translator import SpanledgerDbtTranslator

    manifest = json.loads((target_dir / "manifest.json").read_text())
    results = json.loads((target_dir / "run_results.json").read_text()).get("results", [])
    translator = SpanledgerDbtTranslator(settings.warehouse)
    partitions = _valid_days(_lake_days(settings) if days is None else days)
    for result in results:
        unique_id, status = result.get("unique_id", ""), str(result.get("status", "")).lower()
        metadata = {
            "recorded_by": command,
            "status": status,
            "seconds": round(result.get("execution_time", 0), 3),
        }
        if unique_id.startswith(BUILT_RESOURCES) and status == "success":
            key = translator.get_asset_spec(manifest, unique_id, None).key
            incremental = manifest["nodes"][unique_id].get("config", {}).get("materialized") == "incremental"
            for partition in partitions if incremental else [None]:
                yield AssetMaterialization(asset_key=key, partition=partition, metadata=metadata)
        elif unique_id.startswith("test.") and status in ("pass", "warn", "fail", "error"):
            check = get_asset_check_key_for_test(manifest, translator, unique_id, None)
            if check is None:
                continue
            failures = result.get("failures")
            yield AssetCheckEvaluation(
                asset_key=check.asset_key,
                check_name=check.name,
                passed=status == "pass",
                severity=AssetCheckSeverity.WARN if status == "warn" else AssetCheckSeverity.ERROR,
                metadata={**metadata, **({} if failures is None else {"failed_row_count": failures})},
            )


def record(settings: Settings, events: Iterable[Any]) -> int | str:
    """Report the events to the data directory's Dagster instance: how many, or why it could not."""
    try:
        events = list(events)
        if not events:
            return 0
        with open_instance(settings) as instance:
            for event in events:
                instance.report_runless_asset_event(event)
    except Exception as err:  # noqa: BLE001 - the history is a view: never fail the work it describes
        return f"{type(err).__name__}: {err}"
    return len(events)
