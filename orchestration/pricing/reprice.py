"""`spanledger prices refresh`: new price seeds, what they change in the open months, then publish.

1. The seeds are regenerated from the installed genai-prices into a scratch copy of the dbt project.
2. Unchanged seeds: nothing to do. Otherwise dbt takes each open month's chargeback per tenant at the old
   prices (fct_price_refresh_baseline), loads the new seeds, reprices what the lake holds and compares
   (fct_price_refresh_diff; the steps: reprice_steps.py). On DuckDB in a scratch copy of the warehouse
   (under the write lock, as every build), on BigQuery in scratch datasets (reprice_bigquery.py). The
   comparison is SQL; this module only runs it and hands the rows over. Closed months stay as booked:
   their repricing is an Adjustment line of the next open month.
3. `publish` replaces the live seeds (each file by an atomic rename). The live warehouse is untouched
   until the next `spanledger build` loads them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.pricing.refresh import RefreshSummary, refresh_prices
from orchestration.pricing.reprice_bigquery import scratch_diff_on_bigquery
from orchestration.pricing.reprice_steps import DIFF_VARS, SEED_FILES, RepriceError, diff_query, reprice_steps
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import (
    PROJECT_DIR,
    run_dbt_in_scratch,
    staged_warehouse,
    warehouse_write_lock,
)


@dataclass
class RefreshPlan:
    summary: RefreshSummary
    candidate_dir: Path  # the new seeds
    seeds_dir: Path  # the live seeds they would replace
    changed_files: tuple[str, ...]
    diff_rows: list[tuple] = field(default_factory=list)  # DIFF_COLUMNS, by month and tenant
    diff_note: str = ""  # why there is no diff, when there is none

    @property
    def changed(self) -> bool:
        return bool(self.changed_files)


@contextmanager
def planned_refresh(settings: Settings, seeds_dir: Path) -> Iterator[RefreshPlan]:
    """The new seeds and their diff; the scratch files go when the block ends (publish inside it)."""
    with tempfile.TemporaryDirectory(prefix="price-refresh-", dir=_scratch_root(settings)) as scratch:
        project = Path(scratch) / "dbt_project"
        shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
        summary = refresh_prices(project / "seeds" / SEED_FILES[0])
        changed = tuple(
            name
            for name in SEED_FILES
            if not (seeds_dir / name).exists()
            or (seeds_dir / name).read_bytes() != (project / "seeds" / name).read_bytes()
        )
        plan = RefreshPlan(summary, project / "seeds", seeds_dir, changed)
        if not changed:
            plan.diff_note = "the seeds already hold these prices"
        elif settings.warehouse == "bigquery":
            rows = scratch_diff_on_bigquery(settings, project, Path(scratch))
            plan.diff_rows = rows or []
            plan.diff_note = "no chargeback in BigQuery yet: nothing to reprice" if rows is None else ""
        elif not settings.warehouse_path.exists():
            plan.diff_note = "no warehouse yet: nothing to reprice"
        else:
            plan.diff_rows = _scratch_diff(settings, project, Path(scratch) / "target")
        if changed and not plan.diff_rows and not plan.diff_note:
            plan.diff_note = "no open month to reprice"
        yield plan


def publish(plan: RefreshPlan) -> list[Path]:
    """Replace the changed live seeds by the new ones (write-then-rename, file by file)."""
    written = []
    for name in plan.changed_files:
        target = plan.seeds_dir / name
        tmp = target.with_name(f".{name}.tmp")
        shutil.copyfile(plan.candidate_dir / name, tmp)
        tmp.replace(target)
        written.append(target)
    return written


def _scratch_diff(settings: Settings, project: Path, target: Path) -> list[tuple]:
    import duckdb

    # a staged copy that is never published is the scratch warehouse
    with (
        warehouse_write_lock(settings, purpose="prices refresh (scratch reprice)") as lock,
        staged_warehouse(settings) as (copy, _publish),
    ):
        for args in reprice_steps():
            result = run_dbt_in_scratch(
                settings,
                args,
                vars=DIFF_VARS,
                warehouse_path=copy,
                pass_fds=(lock.fileno(),),
                project_dir=project,
                target_dir=target,
            )
            if not result.success:
                raise RepriceError(
                    f"repricing in a scratch copy failed at `dbt {' '.join(args[:2])}` "
                    f"({result.summary}); nothing was published\n{result.output_tail}"
                )
        with duckdb.connect(str(copy), read_only=True) as con:
            return con.execute(diff_query()).fetchall()


def _scratch_root(settings: Settings) -> Path:
    root = settings.data_dir / ".price-refresh"
    root.mkdir(parents=True, exist_ok=True)
    return root
