"""`spanledger prices refresh` on BigQuery: the open months repriced in scratch datasets, through dbt's defer.

DuckDB reprices a copy of its warehouse file; BigQuery has no file to copy. dbt builds only what the new
prices change (reprice_steps.py) into scratch datasets, SPANLEDGER_BQ_DATASET=<live>_price_refresh (so
<live>_price_refresh_finops, _intermediate, _reference, ...), and reads everything else from the live ones:

1. `dbt parse` with the live dataset: the state `--defer --state` takes relations from;
2. the steps with `--defer` (not `--favor-state`): a ref dbt did not select reads the scratch relation when
   the scratch has it (the new seeds, the baseline), the live one otherwise (the chargeback at the old
   prices for the baseline, staging, the other seeds, the booked closed months);
3. the diff rows, read from the scratch finops dataset.

The live datasets are only read: every node dbt can build must resolve into a scratch dataset (checked
before the first step). The scratch datasets are dropped before (what a killed refresh left) and after,
also on failure. One refresh at a time per live dataset: the base scratch dataset is held as a lock
(bigquery_scratch.py); a second refresh is refused while the first runs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from orchestration.pricing.bigquery_scratch import holding_scratch
from orchestration.pricing.reprice_steps import (
    DIFF_COLUMNS,
    DIFF_VARS,
    RepriceError,
    diff_query,
    reprice_steps,
)
from orchestration.reports.marts import BigQueryMarts
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.client import make_client
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.dbt_runner import run_dbt_in_scratch

SCRATCH_SUFFIX = "_price_refresh"
CHARGEBACK_NODE = "model.spanledger.fct_chargeback_focus_monthly"
BUILT_RESOURCES = frozenset({"model", "seed", "snapshot"})


def scratch_diff_on_bigquery(settings: Settings, dbt_project: Path, work: Path) -> list[tuple] | None:
    """The diff rows (DIFF_COLUMNS) by month and tenant, `dbt_project` being the project with the new seeds
    and `work` a folder for dbt's targets; None when the live datasets hold no chargeback yet."""
    config = BigQueryConfig.from_env()
    client = make_client(config)
    live_state = work / "live-state"
    _dbt(settings, ["parse"], dbt_project, live_state)
    manifest = json.loads((live_state / "manifest.json").read_text())
    if not _exists(client, manifest["nodes"][CHARGEBACK_NODE]["relation_name"]):
        return None
    scratch = replace(config, warehouse_dataset=f"{config.warehouse_dataset}{SCRATCH_SUFFIX}")
    datasets = scratch_datasets(manifest, config.warehouse_dataset, scratch.warehouse_dataset)
    # the base dataset, which no node builds into, is the default dataset of the query reading the diff and
    # the lock: one refresh of a warehouse at a time
    with holding_scratch(client, config.project, config.location, scratch.warehouse_dataset, datasets):
        for args in reprice_steps():
            _dbt(
                settings,
                [*args, "--defer", "--state", str(live_state)],
                dbt_project,
                work / "target",
                {"SPANLEDGER_BQ_DATASET": scratch.warehouse_dataset},
            )
        rows = BigQueryMarts(scratch, client).rows(diff_query())
        return [tuple(row[column] for column in DIFF_COLUMNS) for row in rows]


def scratch_datasets(manifest: dict[str, Any], live: str, scratch: str) -> list[str]:
    """The scratch twin of every dataset dbt builds into (generate_schema_name: `<dataset>[_<layer>]`).
    Refuses a node built outside the live datasets: it would be built there, not in the scratch."""
    twins = {scratch}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in BUILT_RESOURCES:
            continue
        dataset = node["schema"]
        if dataset != live and not dataset.startswith(f"{live}_"):
            raise RepriceError(
                f"{node['unique_id']} builds into the dataset {dataset}, not {live} or {live}_*: a scratch "
                "reprice would write it; nothing was published"
            )
        twins.add(scratch + dataset.removeprefix(live))
    return sorted(twins)


def _dbt(
    settings: Settings, args: list[str], dbt_project: Path, target: Path, env: dict[str, str] | None = None
) -> None:
    result = run_dbt_in_scratch(
        settings, args, vars=DIFF_VARS, project_dir=dbt_project, target_dir=target, extra_env=env
    )
    if not result.success:
        raise RepriceError(
            f"repricing in scratch BigQuery datasets failed at `dbt {' '.join(args[:2])}` ({result.summary}); "
            f"nothing was published, the scratch datasets are dropped\n{result.output_tail}"
        )


def _exists(client: Any, relation_name: str) -> bool:
    from google.api_core.exceptions import NotFound

    try:
        client.get_table(relation_name.replace("`", ""))
    except NotFound:
        return False
    return True
