"""`spanledger prices refresh`: new price seeds, what they change in the open months, then publish.

1. The seeds are regenerated from the installed genai-prices into a scratch copy of the dbt project.
2. Unchanged seeds: nothing to do. Otherwise, in a scratch copy of the DuckDB warehouse (under the write
   lock, as every build), dbt takes each open month's chargeback per tenant at the old prices
   (fct_price_refresh_baseline), loads the new seeds, reprices what the lake holds and compares
   (fct_price_refresh_diff). The comparison is SQL; this module only runs it and hands the rows over.
   Closed months stay as booked: their repricing is an Adjustment line of the next open month.
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

from orchestration.pricing.refresh import ALIASES_FILE_NAME, TIERS_FILE_NAME, RefreshSummary, refresh_prices
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import (
    PROJECT_DIR,
    run_dbt_on_copy,
    staged_warehouse,
    warehouse_write_lock,
)

SEED_FILES = ("model_prices.csv", TIERS_FILE_NAME, ALIASES_FILE_NAME)
DIFF_MART = "finops.fct_price_refresh_diff"
DIFF_COLUMNS = (
    "billing_month_start_date",
    "tenant_id",
    "old_billed_cost_usd",
    "new_billed_cost_usd",
    "billed_change_usd",
    "old_list_cost_usd",
    "new_list_cost_usd",
)
_VARS = {"price_refresh_diff": True}


class RepriceError(RuntimeError):
    """The scratch reprice failed: nothing was published."""


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
        elif settings.warehouse != "duckdb":
            plan.diff_note = f"no diff on {settings.warehouse} yet: repricing runs in a scratch DuckDB copy"
        elif not settings.warehouse_path.exists():
            plan.diff_note = "no warehouse yet: nothing to reprice"
        else:
            plan.diff_rows = _scratch_diff(settings, project, Path(scratch) / "target")
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

    steps = [
        ["run", "--select", "fct_price_refresh_baseline"],  # the open months at the old prices
        ["seed", "--select", *(name.removesuffix(".csv") for name in SEED_FILES)],
        [
            "run",
            "--select",
            *(f"{name.removesuffix('.csv')}+,+fct_price_refresh_diff" for name in SEED_FILES),
            "--exclude",
            "fct_price_refresh_baseline",
        ],
    ]
    # a staged copy that is never published is the scratch warehouse
    with (
        warehouse_write_lock(settings, purpose="prices refresh (scratch reprice)") as lock,
        staged_warehouse(settings) as (copy, _publish),
    ):
        for args in steps:
            result = run_dbt_on_copy(
                settings,
                args,
                vars=_VARS,
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
            return con.execute(
                f"select {', '.join(DIFF_COLUMNS)} from {DIFF_MART} order by billing_month_start_date, tenant_id"
            ).fetchall()


def _scratch_root(settings: Settings) -> Path:
    root = settings.data_dir / ".price-refresh"
    root.mkdir(parents=True, exist_ok=True)
    return root
