"""An older price list for the `prices refresh` tests: gpt-4o-mini's input at twice today's price, in a copy
of the seeds and in a warehouse built with it, so that the refresh (today's genai-prices) has a known change
to show. Shared by the DuckDB and the BigQuery tests."""

from __future__ import annotations

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.pricing.reprice_steps import SEED_FILES
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt, warehouse_write_lock

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
OLD_PRICE = "provider = 'openai' and model_match like 'gpt-4o-mini%'"
CHARGEBACK = ["+fct_chargeback_focus_monthly", "--exclude", "resource_type:seed", "resource_type:test"]


def old_seeds(folder: Path) -> Path:
    """Today's price seeds copied into `folder`, gpt-4o-mini's input price doubled in model_prices.csv."""
    for name in SEED_FILES:
        shutil.copyfile(SEEDS / name, folder / name)
    with (folder / "model_prices.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if (
            row["provider"] == "openai"
            and row["model_match"].startswith("gpt-4o-mini")
            and row["input_usd_per_mtok"]
        ):
            row["input_usd_per_mtok"] = str(Decimal(row["input_usd_per_mtok"]) * 2)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "model_prices.csv").write_text(buffer.getvalue())
    return folder


def reprice_duckdb(settings: Settings, factor: str) -> None:
    """Multiply the warehouse's gpt-4o-mini input price by `factor` ("* 2", "/ 2") and rebuild the chargeback."""
    with warehouse_write_lock(settings), duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(
            f"update reference.model_prices set input_usd_per_mtok = input_usd_per_mtok {factor} where {OLD_PRICE}"
        )
    built = run_dbt(settings, ["build", "--select", *CHARGEBACK])
    assert built.success, built.output_tail


def printed_diff(stdout: str) -> dict[tuple[str, str], dict[str, str]]:
    """The table `spanledger prices refresh` prints (CSV off a terminal), by (month, tenant)."""
    table = stdout[stdout.index("month,tenant,") :]
    return {
        (row["month"], row["tenant"]): row
        for row in csv.DictReader(io.StringIO(table))
        if row.get("change_usd")
    }
