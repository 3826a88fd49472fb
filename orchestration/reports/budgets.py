"""Tenants whose month-end projection exceeds their budget (finops.fct_spend_month_to_date).

Read by the Dagster warning check `budget_projection` and by `spanledger status`; the projection and
the budget (seed tenant_budgets for the month, else tenants) are the mart's.
"""

from __future__ import annotations

from typing import Any

from orchestration.reports.marts import marts_for

OVER_BUDGET_SQL = """
select month_start_date, tenant_id, coalesce(tenant_name, tenant_id) as tenant, as_of_date,
    month_to_date_cost_usd, projected_month_end_cost_usd, monthly_budget_usd
from finops.fct_spend_month_to_date
where is_current_month and is_projected_over_budget
order by projected_month_end_cost_usd - monthly_budget_usd desc, tenant_id
"""


def projected_over_budget(settings: Any) -> list[dict[str, Any]]:
    """This month's tenants projected above budget, the largest overrun first."""
    return marts_for(settings).rows(OVER_BUDGET_SQL)


def describe(row: dict[str, Any]) -> str:
    return (
        f"{row['tenant']} ({row['tenant_id']}): projected ${row['projected_month_end_cost_usd']:,.2f} "
        f"for {row['month_start_date']:%Y-%m} > budget ${row['monthly_budget_usd']:,.2f} "
        f"(${row['month_to_date_cost_usd']:,.2f} up to {row['as_of_date']})"
    )
