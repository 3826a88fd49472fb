"""The FinOps FOCUS columns of the chargeback export, and a check that a file follows them.

FOCUS (https://focus.finops.org) is the open billing-data format of the FinOps Foundation. The export
uses its column names and value rules for LLM usage; columns of our own carry the `x_` prefix the
specification reserves for extensions. Money is a decimal string (never a float); dates are ISO 8601
UTC (`2025-02-01T00:00:00Z`); billing periods are [start, end) months.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

SERVICE_CATEGORY = "AI and Machine Learning"
CURRENCY = "USD"

# Column name → kind. The order is the CSV's column order.
COLUMNS: dict[str, str] = {
    "BillingAccountId": "string",
    "BillingAccountName": "string",
    "BillingPeriodStart": "datetime",
    "BillingPeriodEnd": "datetime",
    "ChargePeriodStart": "datetime",
    "ChargePeriodEnd": "datetime",
    "BilledCost": "decimal",
    "EffectiveCost": "decimal",
    "ListCost": "decimal",
    "ContractedCost": "decimal",
    "ListUnitPrice": "decimal?",
    "BillingCurrency": "string",
    "ChargeCategory": "string",
    "ChargeClass": "string?",
    "ChargeFrequency": "string",
    "ChargeDescription": "string",
    "ConsumedQuantity": "decimal",
    "ConsumedUnit": "string",
    "PricingQuantity": "decimal",
    "PricingUnit": "string",
    "PricingCategory": "string",
    "InvoiceIssuerName": "string",
    "ProviderName": "string",
    "PublisherName": "string",
    "ServiceCategory": "string",
    "ServiceName": "string",
    "SkuId": "string",
    "SubAccountId": "string",
    "SubAccountName": "string",
    "Tags": "json",
    "x_TenantId": "string",
    "x_CostCenter": "string",
    "x_Team": "string",
    "x_Feature": "string",
    "x_ProviderId": "string",
    "x_Model": "string",
    "x_ServiceTier": "string",  # standard, batch, flex, priority, ...: ListCost is always the standard tier's
    "x_UsageType": "string",
    "x_InputTokens": "integer",
    "x_OutputTokens": "integer",
    "x_CachedTokens": "integer",
    "x_CacheWriteTokens": "integer",
    "x_ReasoningTokens": "integer",
    "x_UnpricedTokens": "integer",
    "x_CostSource": "string",
    "x_IsCostSplitEstimated": "boolean",
    # calculated cost by how the price was found (they add up to the calculated cost), and its estimated part
    "x_ReportedCost": "decimal",
    "x_CalculatedCost": "decimal",
    "x_ExactMatchCost": "decimal",
    "x_RequestModelMatchCost": "decimal",
    "x_AliasMatchCost": "decimal",
    "x_FamilyMatchCost": "decimal",
    "x_OverrideMatchCost": "decimal",
    "x_EstimatedCost": "decimal",
    "x_AdjustedMonth": "string?",  # an Adjustment line: the closed month (YYYY-MM) it corrects
}

# What FOCUS requires to be present and non-null on every usage row of this dataset.
MANDATORY = (
    "BillingAccountId",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "ChargeCategory",
    "ChargeFrequency",
    "ChargeDescription",
    "PricingQuantity",
    "PricingUnit",
    "InvoiceIssuerName",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)
COST_COLUMNS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
CHARGE_CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
SERVICE_CATEGORIES = {
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
}


def format_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def check_rows(rows: Iterable[Mapping[str, str]], columns: Iterable[str]) -> list[str]:
    """Problems of a FOCUS export read back as strings (csv.DictReader); empty list = conforms.

    Checks: every column present, mandatory values set, types, ChargePeriod inside BillingPeriod,
    usage costs non-negative, a three-letter currency, allowed categories, Tags a JSON object.
    """
    problems: list[str] = []
    columns = list(columns)
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    bad_names = [c for c in columns if c not in COLUMNS and not c.startswith("x_")]
    if bad_names:
        problems.append(f"custom columns without the x_ prefix: {', '.join(bad_names)}")
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"line {n}"
        for name in MANDATORY:
            if not row.get(name):
                problems.append(f"{where}: {name} is empty")
        for name, kind in COLUMNS.items():
            value = row.get(name, "")
            if value == "" and (kind.endswith("?") or name not in MANDATORY):
                continue
            if not _has_type(value, kind.rstrip("?")):
                problems.append(f"{where}: {name}={value!r} is not a {kind.rstrip('?')}")
        try:
            bp_start, bp_end = (
                parse_datetime(row["BillingPeriodStart"]),
                parse_datetime(row["BillingPeriodEnd"]),
            )
            cp_start, cp_end = (
                parse_datetime(row["ChargePeriodStart"]),
                parse_datetime(row["ChargePeriodEnd"]),
            )
        except (KeyError, ValueError):
            problems.append(f"{where}: periods are not ISO 8601 UTC datetimes")
        else:
            if not bp_start <= cp_start < cp_end <= bp_end:
                problems.append(
                    f"{where}: ChargePeriod [{cp_start}, {cp_end}) not inside BillingPeriod "
                    f"[{bp_start}, {bp_end})"
                )
        for name in COST_COLUMNS:  # an adjustment may take money back; a usage charge may not
            if (
                row.get("ChargeCategory") == "Usage"
                and _has_type(row.get(name, ""), "decimal")
                and Decimal(row[name]) < 0
            ):
                problems.append(f"{where}: {name} is negative for a usage charge")
        if len(row.get("BillingCurrency", "")) != 3 or not row.get("BillingCurrency", "").isupper():
            problems.append(
                f"{where}: BillingCurrency {row.get('BillingCurrency')!r} is not an ISO 4217 code"
            )
        if row.get("ChargeCategory") not in CHARGE_CATEGORIES:
            problems.append(f"{where}: ChargeCategory {row.get('ChargeCategory')!r} not allowed")
        if row.get("ServiceCategory") not in SERVICE_CATEGORIES:
            problems.append(f"{where}: ServiceCategory {row.get('ServiceCategory')!r} not allowed")
        if len(problems) > 50:
            problems.append("… (stopped after 50 problems)")
            break
    return problems


def _has_type(value: str, kind: str) -> bool:
    try:
        if kind == "decimal":
            return Decimal(value).is_finite() and "e" not in value.lower()
        if kind == "integer":
            return str(int(value)) == value
        if kind == "datetime":
            parse_datetime(value)
            return True
        if kind == "boolean":
            return value in ("true", "false")
        if kind == "json":
            return isinstance(json.loads(value), dict)
    except (InvalidOperation, ValueError, TypeError):
        return False
    return True  # string
