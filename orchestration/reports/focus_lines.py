"""Rows of finops.fct_chargeback_focus_monthly as FOCUS export rows: names, labels, units, formats.

No arithmetic on money happens here: every cost is the mart's value. What is added is presentation:
provider and publisher display names, a description, tags, and token counts per FOCUS unit.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from orchestration.reports.focus import CURRENCY, SERVICE_CATEGORY, format_datetime

MONEY_SCALE = Decimal("0.000000001")  # decimal(38, 9), the marts' money type
MTOK = Decimal(1_000_000)

PROVIDERS: dict[str, tuple[str, str]] = {  # provider id → (ProviderName, ServiceName)
    "openai": ("OpenAI", "OpenAI API"),
    "anthropic": ("Anthropic", "Claude API"),
    "aws": ("Amazon Web Services", "Amazon Bedrock"),
    "google": ("Google Cloud", "Vertex AI"),
    "azure": ("Microsoft", "Azure OpenAI"),
    "mistral": ("Mistral AI", "Mistral API"),
    "cohere": ("Cohere", "Cohere API"),
    "groq": ("Groq", "GroqCloud"),
    "deepseek": ("DeepSeek", "DeepSeek API"),
    "vllm": ("Self-hosted", "vLLM inference"),
}
PUBLISHERS = (  # model name fragment → who made the model
    ("claude", "Anthropic"),
    ("gpt", "OpenAI"),
    ("text-embedding", "OpenAI"),
    ("o1", "OpenAI"),
    ("o3", "OpenAI"),
    ("o4", "OpenAI"),
    ("gemini", "Google"),
    ("gemma", "Google"),
    ("nova", "Amazon"),
    ("titan", "Amazon"),
    ("llama", "Meta"),
    ("mistral", "Mistral AI"),
    ("mixtral", "Mistral AI"),
    ("command", "Cohere"),
    ("deepseek", "DeepSeek"),
)
# our money columns: how the billed cost divides (reported / calculated, how the price was found, estimated)
MONEY_EXTENSIONS = {
    "x_ReportedCost": "reported_cost_usd",
    "x_CalculatedCost": "calculated_cost_usd",
    "x_ExactMatchCost": "exact_match_cost_usd",
    "x_RequestModelMatchCost": "request_model_match_cost_usd",
    "x_AliasMatchCost": "alias_match_cost_usd",
    "x_FamilyMatchCost": "family_match_cost_usd",
    "x_OverrideMatchCost": "override_match_cost_usd",
    "x_EstimatedCost": "estimated_cost_usd",
}
INPUT_KINDS = ("input", "cached_input", "cache_write")
OUTPUT_KINDS = ("output", "reasoning")


def publisher(model: str, provider_name: str) -> str:
    name = model.lower()
    for fragment, who in PUBLISHERS:
        if fragment in name:
            return who
    return provider_name


def focus_row(line: dict[str, Any]) -> dict[str, Any]:
    """One mart row → one FOCUS row (column names as orchestration.reports.focus.COLUMNS)."""
    provider = line["provider"]
    provider_name, service_name = PROVIDERS.get(provider, (provider, f"{provider} models"))
    kind = line["usage_type"]
    tokens = int(line["consumed_tokens"])
    tenant_name = line["tenant_name"] or line["tenant_id"]
    tags = {"cost_center": line["cost_center"], "team": line["team"], "feature": line["feature"]}
    if line["plan"]:
        tags["plan"] = line["plan"]
    tier = line["service_tier"]
    label = line["usage_type_label"] if tier == "standard" else f"{line['usage_type_label']}, {tier} tier"
    description = f"{line['model']} {label} for {tenant_name} / {line['feature']}"
    adjusted = line["adjusted_month_start_date"]
    if adjusted:
        description = f"Adjustment of {adjusted:%Y-%m}: {description}"
    return {
        "BillingAccountId": provider,
        "BillingAccountName": provider_name,
        "BillingPeriodStart": _midnight(line["billing_month_start_date"]),
        "BillingPeriodEnd": _midnight(line["billing_month_end_date"]),
        "ChargePeriodStart": _midnight(line["charge_period_start_date"]),
        "ChargePeriodEnd": _midnight(line["charge_period_end_date"]),
        "BilledCost": _money(line["billed_cost_usd"]),
        "EffectiveCost": _money(line["effective_cost_usd"]),
        "ListCost": _money(line["list_cost_usd"]),
        "ContractedCost": _money(line["contracted_cost_usd"]),
        "ListUnitPrice": _money(line["list_unit_price_usd_per_mtok"]),
        "BillingCurrency": CURRENCY,
        "ChargeCategory": line["charge_category"],
        "ChargeClass": "Correction" if line["charge_category"] == "Adjustment" else None,
        "ChargeFrequency": "Usage-Based",
        "ChargeDescription": description,
        "ConsumedQuantity": Decimal(tokens),
        "ConsumedUnit": "Tokens",
        "PricingQuantity": (Decimal(tokens) / MTOK).quantize(MONEY_SCALE),
        "PricingUnit": "1M Tokens",
        "PricingCategory": "Standard",  # negotiated rates are Standard in FOCUS; Committed is for commitments
        "InvoiceIssuerName": provider_name,
        "ProviderName": provider_name,
        "PublisherName": publisher(line["model"], provider_name),
        "ServiceCategory": SERVICE_CATEGORY,
        "ServiceName": service_name,
        # a service tier is its own SKU (batch / flex / priority prices), the standard tier keeps the plain id
        "SkuId": f"{provider}/{line['model']}/{kind}" + ("" if tier == "standard" else f"/{tier}"),
        "SubAccountId": line["tenant_id"],
        "SubAccountName": tenant_name,
        "Tags": json.dumps(tags, sort_keys=True),
        "x_TenantId": line["tenant_id"],
        "x_CostCenter": line["cost_center"],
        "x_Team": line["team"],
        "x_Feature": line["feature"],
        "x_ProviderId": provider,
        "x_Model": line["model"],
        "x_ServiceTier": tier,
        "x_UsageType": kind,
        "x_InputTokens": tokens if kind in INPUT_KINDS else 0,
        "x_OutputTokens": tokens if kind in OUTPUT_KINDS else 0,
        "x_CachedTokens": tokens if kind == "cached_input" else 0,
        "x_CacheWriteTokens": tokens if kind == "cache_write" else 0,
        "x_ReasoningTokens": tokens if kind == "reasoning" else 0,
        "x_UnpricedTokens": int(line["unpriced_tokens"]),
        "x_CostSource": line["cost_source"],
        "x_IsCostSplitEstimated": bool(line["is_cost_split_estimated"]),
        **{name: _money(line[column]) for name, column in MONEY_EXTENSIONS.items()},
        "x_AdjustedMonth": adjusted.strftime("%Y-%m") if adjusted else None,
    }


def _money(value: Any) -> Decimal | None:
    """Scale 9 on both warehouses (BigQuery's NUMERIC comes back without trailing zeros)."""
    return None if value is None else Decimal(value).quantize(MONEY_SCALE)


def _midnight(day: date) -> str:
    return format_datetime(datetime(day.year, day.month, day.day))
