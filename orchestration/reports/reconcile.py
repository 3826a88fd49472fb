"""Does a chargeback CSV add up to the FinOps mart? Per tenant and in total, to the cent."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from orchestration.reports.chargeback import FOCUS_MART, Month
from orchestration.reports.marts import Marts, as_marts
from orchestration.reports.safe_text import csv_text

CENT = Decimal("0.01")


def csv_cost_by_tenant(csv_path: Path) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with csv_path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            totals[row["x_TenantId"]] += Decimal(row["BilledCost"])
    return dict(totals)


def mart_cost_by_tenant(source: Marts | Path, month: Month) -> dict[str, Decimal]:
    """Keyed by the tenant id as the CSV writes it (safe_text.csv_text), so the two compare."""
    rows = as_marts(source).rows(
        f"select tenant_id, sum(billed_cost_usd) as cost from {FOCUS_MART} "
        "where billing_month_start_date = $month group by 1",
        {"month": month.start},
    )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[csv_text(row["tenant_id"])] += Decimal(row["cost"])
    return dict(totals)


def reconcile(source: Marts | Path, month: Month, csv_path: Path) -> list[str]:
    """Differences (rounded to the cent) between the CSV and the FOCUS mart; empty = reconciled."""
    exported, mart = csv_cost_by_tenant(csv_path), mart_cost_by_tenant(source, month)
    problems = []
    for tenant in sorted(set(exported) | set(mart)):
        a, b = exported.get(tenant, Decimal(0)), mart.get(tenant, Decimal(0))
        if a.quantize(CENT) != b.quantize(CENT):
            problems.append(f"{tenant}: CSV {a} != mart {b}")
    total_a, total_b = sum(exported.values(), Decimal(0)), sum(mart.values(), Decimal(0))
    if total_a.quantize(CENT) != total_b.quantize(CENT):
        problems.append(f"total: CSV {total_a} != mart {total_b}")
    return problems
