"""Budget alert: a warning asset check on the month-to-date spend mart."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.defs.resources import SpanledgerResource


@asset_check(
    asset=AssetKey(["finops", "fct_spend_month_to_date"]),
    name="budget_projection",
    description="Warns while a tenant's month-end projection exceeds its budget (fct_spend_month_to_date).",
)
def budget_projection_check(
    context: AssetCheckExecutionContext, spanledger: SpanledgerResource
) -> AssetCheckResult:
    from orchestration.reports.budgets import describe, projected_over_budget

    over = projected_over_budget(spanledger.settings())
    lines = [describe(row) for row in over]
    for line in lines:
        context.log.warning(line)
    return AssetCheckResult(
        passed=not over,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "tenants_over_budget": len(over),
            "tenants": MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
        },
    )
