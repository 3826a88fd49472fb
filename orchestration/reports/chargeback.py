"""Monthly chargeback from the FinOps marts: FOCUS rows, the numbers of the HTML report.

Costs come from `finops.fct_llm_costs_daily` (the mart that `fct_chargeback_monthly` sums), so the
export reconciles with the marts to the cent. One FOCUS row per month x tenant x feature x team x
provider x model x usage type (input, cached input, cache write, output, reasoning tokens): the
issue's tenant x provider x model x usage-type grain, split by feature so that x_Feature holds one
value. The mart knows a group's cost, not how it divides between token kinds; that split follows the
price table (tokens x list price of each kind) and is exact for calculated costs. Provider-reported
costs are split the same way, which is an estimate (x_IsCostSplitEstimated).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports.focus import CURRENCY, SERVICE_CATEGORY, format_datetime

UNKNOWN = "(unknown)"  # dbt var unknown_label
MONEY_SCALE = Decimal("0.000000001")  # decimal(38, 9), the marts' money type
MTOK = Decimal(1_000_000)

# usage type → (description, price column of int_model_prices_unioned, token expression)
USAGE_TYPES: dict[str, tuple[str, str, str]] = {
    "input": ("input tokens", "input_usd_per_mtok", "coalesce(c.uncached_input_tokens, 0)"),
    "cached_input": (
        "cached input tokens (cache reads)",
        "cached_input_usd_per_mtok",
        "coalesce(c.cache_read_tokens, 0)",
    ),
    "cache_write": ("cache write tokens", "cache_write_usd_per_mtok", "coalesce(c.cache_write_tokens, 0)"),
    "output": (
        "output tokens",
        "output_usd_per_mtok",
        "greatest(coalesce(c.output_tokens, 0) - coalesce(c.reasoning_tokens, 0), 0)",
    ),
    "reasoning": (
        "reasoning tokens",
        "reasoning_usd_per_mtok",
        "least(coalesce(c.reasoning_tokens, 0), coalesce(c.output_tokens, 0))",
    ),
}

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


class ReportError(Exception):
    """A report cannot be made (no warehouse, no data for the month); the message says what to do."""


@dataclass(frozen=True)
class Month:
    start: date

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            return cls(datetime.strptime(text, "%Y-%m").date())
        except ValueError:
            raise ReportError(f"month {text!r} is not YYYY-MM (e.g. 2025-02)") from None

    @property
    def end(self) -> date:
        """First day of the next month (exclusive end)."""
        return (self.start.replace(day=28) + timedelta(days=4)).replace(day=1)

    @property
    def previous(self) -> Month:
        return Month((self.start - timedelta(days=1)).replace(day=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")


@dataclass
class ChargebackData:
    """Everything the CSV, Parquet and HTML need, read once from the warehouse."""

    month: Month
    focus_rows: list[dict[str, Any]]
    totals: dict[str, Any]  # this month and previous: cost, calls, requests, tokens, unpriced
    previous_totals: dict[str, Any]
    by_tenant: list[dict[str, Any]]
    by: dict[str, list[dict[str, Any]]]  # team / feature / model → rows with cost and previous cost
    daily: list[dict[str, Any]]  # both months: day, cost, requests, cost per request
    movers: list[dict[str, Any]]
    unpriced: list[dict[str, Any]]
    cost_sources: list[dict[str, Any]]
    price_sources: list[str]
    first_day: date | None
    last_day: date | None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def is_partial(self) -> bool:
        return self.last_day is None or self.last_day < self.month.end - timedelta(days=1)


def latest_month(warehouse: Path) -> Month:
    with _connect(warehouse) as con:
        (last,) = con.execute("select max(cost_date) from finops.fct_llm_costs_daily").fetchone()
    if last is None:
        raise ReportError("the warehouse has no LLM costs yet")
    return Month(last.replace(day=1))


def load(warehouse: Path, month: Month) -> ChargebackData:
    """Read the month (and the one before, for month-over-month) from the warehouse, read-only."""
    with _connect(warehouse) as con:
        groups = _rows(con, _GROUPS_SQL, [month.start, month.end])
        if not groups:
            (first, last) = con.execute(
                "select min(cost_date), max(cost_date) from finops.fct_llm_costs_daily"
            ).fetchone()
            have = f"it has {first:%Y-%m} to {last:%Y-%m}" if first else "it has no LLM costs yet"
            raise ReportError(f"no LLM costs for {month} in the warehouse ({have}); pick another --month")
        components = _rows(con, _components_sql(), [month.start, month.end])
        current = _totals(con, month)
        previous = _totals(con, month.previous)
        by_tenant = _rows(con, _BY_TENANT_SQL, [month.start, month.previous.start, month.start])
        by = {
            dim: _rows(con, _by_sql(dim), [month.start, month.end, month.previous.start, month.start])
            for dim in ("team", "feature", "model")
        }
        daily = _rows(con, _DAILY_SQL, [month.previous.start, month.end] * 2)
        movers = _rows(con, _MOVERS_SQL, [month.start, month.end, month.previous.start, month.start])
        unpriced = _rows(con, _UNPRICED_SQL, [month.start, month.end])
        cost_sources = _rows(con, _COST_SOURCES_SQL, [month.start, month.end])
        price_sources = [
            r[0]
            for r in con.execute(
                "select distinct price_source from intermediate.int_llm_calls_priced "
                "where call_date >= ? and call_date < ? and price_source is not null order by 1",
                [month.start, month.end],
            ).fetchall()
        ]
    return ChargebackData(
        month=month,
        focus_rows=focus_rows(month, groups, components),
        totals=current,
        previous_totals=previous,
        by_tenant=by_tenant,
        by=by,
        daily=daily,
        movers=movers,
        unpriced=unpriced,
        cost_sources=cost_sources,
        price_sources=price_sources,
        first_day=min(g["first_day"] for g in groups),
        last_day=max(g["last_day"] for g in groups),
    )


# --- FOCUS rows -------------------------------------------------------------------------------

GROUP_KEY = ("tenant_id", "feature", "team", "provider", "model")


def focus_rows(month: Month, groups: list[dict], components: list[dict]) -> list[dict[str, Any]]:
    """One row per group x usage type with tokens; the group's mart cost divided over its rows."""
    by_group: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for c in components:
        by_group[tuple(c[k] for k in GROUP_KEY)][c["usage_type"]] = c
    rows: list[dict[str, Any]] = []
    for g in groups:
        parts = by_group.get(tuple(g[k] for k in GROUP_KEY), {})
        kinds = [k for k in USAGE_TYPES if parts.get(k, {}).get("tokens")]
        cost: Decimal = g["total_cost_usd"]
        if not kinds:
            if cost == 0:
                continue  # calls without usage and without cost (failed before any token): nothing to bill
            kinds = ["output"]  # a reported cost without token counts: bill it as output
        list_costs = {k: parts.get(k, {}).get("list_cost_usd") or Decimal(0) for k in kinds}
        tokens = {k: Decimal(parts.get(k, {}).get("tokens") or 0) for k in kinds}
        weights = list_costs if sum(list_costs.values()) > 0 else tokens
        if sum(weights.values()) == 0:
            weights = {k: Decimal(1) for k in kinds}
        billed = allocate(cost, weights)
        split_estimated = g["reported_call_count"] > 0 and len(kinds) > 1
        for kind in kinds:
            rows.append(
                _focus_row(
                    month, g, kind, parts.get(kind, {}), billed[kind], list_costs[kind], split_estimated
                )
            )
    return rows


def allocate(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split `total` in proportion to `weights` at the mart's scale; the parts add up exactly."""
    total_weight = sum(weights.values())
    units = int((total / MONEY_SCALE).to_integral_value())
    raw = {k: Decimal(units) * w / total_weight for k, w in weights.items()}
    parts = {k: int(v.to_integral_value(rounding=ROUND_DOWN)) for k, v in raw.items()}
    # largest remainder: the units lost to rounding down go to the largest fractions
    for k in sorted(raw, key=lambda k: raw[k] - parts[k], reverse=True)[: units - sum(parts.values())]:
        parts[k] += 1
    return {k: (Decimal(v) * MONEY_SCALE).quantize(MONEY_SCALE) for k, v in parts.items()}


def _focus_row(
    month: Month, g: dict, kind: str, part: dict, billed: Decimal, list_cost: Decimal, split_estimated: bool
) -> dict[str, Any]:
    provider = g["provider"]
    provider_name, service_name = PROVIDERS.get(provider, (provider, f"{provider} models"))
    tokens = int(part.get("tokens") or 0)
    unpriced_tokens = int(part.get("unpriced_tokens") or 0)
    priced_tokens = int(part.get("priced_tokens") or 0)
    pricing_quantity = (Decimal(tokens) / MTOK).quantize(MONEY_SCALE)
    # no list price known (unpriced model, or only provider-reported costs): list = billed
    list_cost = list_cost.quantize(MONEY_SCALE) if priced_tokens else billed
    list_unit_price = (
        (list_cost / (Decimal(priced_tokens) / MTOK)).quantize(MONEY_SCALE) if priced_tokens else None
    )
    tenant_name = g["tenant_name"] or g["tenant_id"]
    tags = {"cost_center": g["cost_center"], "team": g["team"], "feature": g["feature"]}
    if g["plan"]:
        tags["plan"] = g["plan"]
    label = USAGE_TYPES[kind][0]
    return {
        "BillingAccountId": provider,
        "BillingAccountName": provider_name,
        "BillingPeriodStart": _midnight(month.start),
        "BillingPeriodEnd": _midnight(month.end),
        "ChargePeriodStart": _midnight(g["first_day"]),
        "ChargePeriodEnd": _midnight(g["last_day"] + timedelta(days=1)),
        "BilledCost": billed,
        "EffectiveCost": billed,
        "ListCost": list_cost,
        "ContractedCost": billed,
        "ListUnitPrice": list_unit_price,
        "BillingCurrency": CURRENCY,
        "ChargeCategory": "Usage",
        "ChargeClass": None,
        "ChargeFrequency": "Usage-Based",
        "ChargeDescription": f"{g['model']} {label} for {tenant_name} / {g['feature']}",
        "ConsumedQuantity": Decimal(tokens),
        "ConsumedUnit": "Tokens",
        "PricingQuantity": pricing_quantity,
        "PricingUnit": "1M Tokens",
        "PricingCategory": "Standard",
        "InvoiceIssuerName": provider_name,
        "ProviderName": provider_name,
        "PublisherName": publisher(g["model"], provider_name),
        "ServiceCategory": SERVICE_CATEGORY,
        "ServiceName": service_name,
        "SkuId": f"{provider}/{g['model']}/{kind}",
        "SubAccountId": g["tenant_id"],
        "SubAccountName": tenant_name,
        "Tags": json.dumps(tags, sort_keys=True),
        "x_TenantId": g["tenant_id"],
        "x_CostCenter": g["cost_center"],
        "x_Team": g["team"],
        "x_Feature": g["feature"],
        "x_ProviderId": provider,
        "x_Model": g["model"],
        "x_UsageType": kind,
        "x_InputTokens": tokens if kind in ("input", "cached_input", "cache_write") else 0,
        "x_OutputTokens": tokens if kind in ("output", "reasoning") else 0,
        "x_CachedTokens": tokens if kind == "cached_input" else 0,
        "x_CacheWriteTokens": tokens if kind == "cache_write" else 0,
        "x_ReasoningTokens": tokens if kind == "reasoning" else 0,
        "x_UnpricedTokens": unpriced_tokens,
        "x_CostSource": _cost_source(g),
        "x_IsCostSplitEstimated": split_estimated,
    }


def publisher(model: str, provider_name: str) -> str:
    name = model.lower()
    for fragment, who in PUBLISHERS:
        if fragment in name:
            return who
    return provider_name


def _cost_source(g: dict) -> str:
    sources = [
        name
        for name, n in (
            ("reported", g["reported_call_count"]),
            ("calculated", g["calculated_call_count"]),
            ("unpriced", g["unpriced_call_count"]),
        )
        if n
    ]
    return sources[0] if len(sources) == 1 else "+".join(sources) if sources else "none"


def _midnight(day: date) -> str:
    return format_datetime(datetime(day.year, day.month, day.day))


# --- queries ----------------------------------------------------------------------------------


class _connect:
    def __init__(self, warehouse: Path) -> None:
        if not Path(warehouse).exists():
            raise ReportError(f"no warehouse at {warehouse}")
        try:
            self.con = duckdb.connect(str(warehouse), read_only=True)
        except duckdb.Error as err:
            raise ReportError(f"cannot open the warehouse {warehouse}: {str(err).splitlines()[0]}") from None

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        return self.con

    def __exit__(self, *exc: object) -> None:
        self.con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    try:
        cursor = con.execute(sql, params)
    except duckdb.CatalogException as err:
        raise ReportError(
            f"the warehouse lacks a table the report needs ({str(err).splitlines()[0]}); "
            "run `spanledger build`"
        ) from None
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


_GROUPS_SQL = """
select
    d.tenant_id, d.feature, d.team, d.provider, d.model,
    coalesce(t.cost_center, '(unknown)') as cost_center, t.tenant_name, t.plan,
    min(d.cost_date) as first_day, max(d.cost_date) as last_day,
    sum(d.total_cost_usd) as total_cost_usd,
    sum(d.llm_call_count) as llm_call_count,
    sum(d.reported_call_count) as reported_call_count,
    sum(d.calculated_call_count) as calculated_call_count,
    sum(d.unpriced_call_count) as unpriced_call_count
from finops.fct_llm_costs_daily as d
left join reference.tenants as t on d.tenant_id = t.tenant_id
where d.cost_date >= ? and d.cost_date < ?
group by all
order by d.tenant_id, d.feature, d.team, d.provider, d.model
"""


def _components_sql() -> str:
    """Tokens and list cost per group and usage type, keyed exactly as fct_llm_costs_daily keys calls."""
    selects = []
    for kind, (_, price, tokens) in USAGE_TYPES.items():
        selects.append(f"""
    select c.tenant_id, c.feature, c.team, c.provider, c.model, '{kind}' as usage_type,
        sum({tokens}) as tokens,
        sum(case when c.has_price then {tokens} else 0 end) as priced_tokens,
        sum(case when c.is_unpriced then {tokens} else 0 end) as unpriced_tokens,
        sum(case when c.has_price then cast({tokens} as decimal(38, 0)) * coalesce(p.{price}, 0)
            * cast(0.000001 as decimal(18, 6)) end) as list_cost_usd
    from keyed as c
    left join intermediate.int_model_prices_unioned as p on c.price_id = p.price_id
    group by 1, 2, 3, 4, 5""")
    return f"""
with keyed as (
    select
        coalesce(c.tenant_id, '{UNKNOWN}') as tenant_id,
        coalesce(c.feature, '{UNKNOWN}') as feature,
        coalesce(c.team, t.team, '{UNKNOWN}') as team,
        coalesce(c.provider_id, c.price_provider, '{UNKNOWN}') as provider,
        coalesce(c.model, '{UNKNOWN}') as model,
        c.*  exclude (tenant_id, feature, team, model)
    from intermediate.int_llm_calls_priced as c
    left join reference.tenants as t on c.tenant_id = t.tenant_id
    where c.call_date >= ? and c.call_date < ?
)
{" union all ".join(selects)}
"""


def _totals(con: duckdb.DuckDBPyConnection, month: Month) -> dict[str, Any]:
    (row,) = _rows(
        con,
        """
        select
            coalesce(sum(total_cost_usd), 0) as cost,
            coalesce(sum(llm_call_count), 0) as calls,
            coalesce(sum(total_tokens), 0) as tokens,
            coalesce(sum(reported_cost_usd), 0) as reported_cost,
            coalesce(sum(unpriced_call_count), 0) as unpriced_calls,
            count(distinct tenant_id) as tenants
        from finops.fct_chargeback_monthly
        where month_start_date = ?""",
        [month.start],
    )
    (requests,) = con.execute(
        "select count(distinct coalesce(trace_id, llm_call_id)) from intermediate.int_llm_calls_priced "
        "where call_date >= ? and call_date < ?",
        [month.start, month.end],
    ).fetchone()
    row["requests"] = requests
    row["cost_per_request"] = row["cost"] / requests if requests else None
    return row


_BY_TENANT_SQL = """
with cur as (select * from finops.fct_chargeback_monthly where month_start_date = ?),
prev as (
    select tenant_id, sum(total_cost_usd) as previous_cost
    from finops.fct_chargeback_monthly where month_start_date = ? group by 1
),
budget as (
    select tenant_id, monthly_budget_usd, projected_month_end_cost_usd, is_current_month
    from finops.fct_spend_month_to_date where month_start_date = ?
)
select
    cur.tenant_id, coalesce(cur.tenant_name, cur.tenant_id) as name, cur.cost_center,
    cur.total_cost_usd as cost, prev.previous_cost, cur.share_of_month_total as share,
    cur.llm_call_count as calls, cur.unpriced_call_count as unpriced_calls,
    budget.monthly_budget_usd as budget,
    case when budget.is_current_month then budget.projected_month_end_cost_usd end as projected_cost
from cur
left join prev using (tenant_id)
left join budget using (tenant_id)
order by cost desc, tenant_id
"""


def _by_sql(dim: str) -> str:
    return f"""
with cur as (
    select {dim} as name, sum(total_cost_usd) as cost, sum(llm_call_count) as calls,
        sum(unpriced_call_count) as unpriced_calls
    from finops.fct_llm_costs_daily where cost_date >= ? and cost_date < ? group by 1
),
prev as (
    select {dim} as name, sum(total_cost_usd) as previous_cost
    from finops.fct_llm_costs_daily where cost_date >= ? and cost_date < ? group by 1
)
select cur.*, prev.previous_cost from cur left join prev using (name) order by cost desc, name
"""


_DAILY_SQL = """
with cost as (
    select cost_date as day, sum(total_cost_usd) as cost
    from finops.fct_llm_costs_daily where cost_date >= ? and cost_date < ? group by 1
),
requests as (
    select call_date as day, count(distinct coalesce(trace_id, llm_call_id)) as requests
    from intermediate.int_llm_calls_priced where call_date >= ? and call_date < ? group by 1
)
select day, cost, requests, case when requests > 0 then cost / requests end as cost_per_request
from cost left join requests using (day)
order by day
"""

_MOVERS_SQL = """
with cur as (
    select tenant_id, feature, model, sum(total_cost_usd) as cost
    from finops.fct_llm_costs_daily where cost_date >= ? and cost_date < ? group by all
),
prev as (
    select tenant_id, feature, model, sum(total_cost_usd) as previous_cost
    from finops.fct_llm_costs_daily where cost_date >= ? and cost_date < ? group by all
)
select
    tenant_id, feature, model, coalesce(cost, 0) as cost, coalesce(previous_cost, 0) as previous_cost,
    coalesce(cost, 0) - coalesce(previous_cost, 0) as change
from cur full outer join prev using (tenant_id, feature, model)
where coalesce(cost, 0) <> coalesce(previous_cost, 0)
order by abs(change) desc, tenant_id, feature, model
limit 10
"""

_UNPRICED_SQL = """
select provider, model, sum(llm_call_count) as calls, sum(unpriced_call_count) as unpriced_calls,
    sum(reported_cost_call_count) as reported_cost_calls, sum(total_tokens) as tokens,
    sum(reported_cost_usd) as reported_cost, max(tenant_count) as tenants,
    min(usage_date) as first_day, max(usage_date) as last_day
from finops.fct_unpriced_usage
where usage_date >= ? and usage_date < ?
group by all
order by unpriced_calls desc, tokens desc, provider, model
"""

_COST_SOURCES_SQL = """
select cost_source, count(*) as calls, coalesce(sum(cost_usd), 0) as cost,
    coalesce(sum(total_tokens), 0) as tokens
from intermediate.int_llm_calls_priced
where call_date >= ? and call_date < ?
group by 1
order by cost desc, cost_source
"""
