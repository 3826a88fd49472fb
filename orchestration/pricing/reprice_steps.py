"""What dbt runs to reprice the open months with new price seeds, on either warehouse, and what it gives.

The comparison is SQL (fct_price_refresh_baseline, fct_price_refresh_diff, built only with var
price_refresh_diff); reprice.py runs these steps in a scratch copy of the DuckDB warehouse,
reprice_bigquery.py in scratch BigQuery datasets.
"""

from __future__ import annotations

from orchestration.pricing.refresh import ALIASES_FILE_NAME, TIERS_FILE_NAME

SEED_FILES = ("model_prices.csv", TIERS_FILE_NAME, ALIASES_FILE_NAME)
BASELINE_MODEL = "fct_price_refresh_baseline"
DIFF_MODEL = "fct_price_refresh_diff"
DIFF_MART = f"finops.{DIFF_MODEL}"
# What finance booked: read as it is, never rebuilt by a reprice (a scratch warehouse without it would reprice
# closed months as if they were open; their repricing is an Adjustment line of the next open month).
BOOKED_MODEL = "fct_chargeback_closed_lines"
DIFF_COLUMNS = (
    "billing_month_start_date",
    "tenant_id",
    "old_billed_cost_usd",
    "new_billed_cost_usd",
    "billed_change_usd",
    "old_list_cost_usd",
    "new_list_cost_usd",
)
DIFF_VARS = {"price_refresh_diff": True}


class RepriceError(RuntimeError):
    """The scratch reprice failed: nothing was published."""


def reprice_steps() -> list[list[str]]:
    """dbt commands, in order: the open months at the old prices, the new seeds, the repriced months and the diff."""
    seeds = [name.removesuffix(".csv") for name in SEED_FILES]
    return [
        ["run", "--select", BASELINE_MODEL],
        ["seed", "--select", *seeds],
        [
            "run",
            "--select",
            *(f"{seed}+,+{DIFF_MODEL}" for seed in seeds),
            "--exclude",
            BASELINE_MODEL,
            BOOKED_MODEL,
        ],
    ]


def diff_query() -> str:
    """The diff rows (DIFF_COLUMNS) by month and tenant, in the DuckDB SQL both warehouses' readers take."""
    return f"select {', '.join(DIFF_COLUMNS)} from {DIFF_MART} order by billing_month_start_date, tenant_id"
