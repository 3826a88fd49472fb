"""An independent computation of the marts' key numbers straight from the lake, with polars.

It shares no SQL with the dbt project: pricing goes through orchestration.pricing.lookup (the
Python twin of the price match), tenant fill-down walks parent links in Python.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import polars as pl

from orchestration.pricing.lookup import read_csv, resolve

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
MTOK = Decimal(1_000_000)
NANO = Decimal("0.000000001")


def read_lake(lake: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(lake / table / "*" / "*.parquet", hive_partitioning=True)


def llm_calls(lake: Path) -> pl.DataFrame:
    """LLM spans with tenant filled down from the nearest ancestor, plus Claude Code events."""
    spans = read_lake(lake, "spans")
    parent = dict(
        zip(zip(spans["trace_id"], spans["span_id"], strict=True), spans["parent_span_id"], strict=True)
    )
    tenant = dict(zip(zip(spans["trace_id"], spans["span_id"], strict=True), spans["tenant_id"], strict=True))

    def inherited(trace_id: str, span_id: str) -> str | None:
        key = (trace_id, span_id)
        while key in tenant:
            if tenant[key] is not None:
                return tenant[key]
            key = (trace_id, parent[key])
        return None

    llm = spans.filter(pl.col("span_type") == "llm")
    llm = llm.with_columns(
        pl.Series(
            "tenant",
            [inherited(t, s) for t, s in zip(llm["trace_id"], llm["span_id"], strict=True)],
            dtype=pl.String,
        ),
        pl.col("date").cast(pl.Date).alias("call_date"),
        pl.coalesce("response_model", "request_model").alias("model"),
    )
    logs = read_lake(lake, "logs").filter(pl.col("event_name") == "claude_code.api_request")
    cc = logs.with_columns(
        # Claude Code counts input tokens without the cached part (Anthropic API semantics)
        (
            pl.col("input_tokens")
            + pl.col("cache_read_tokens").fill_null(0)
            + pl.col("cache_write_tokens").fill_null(0)
        ).alias("input_tokens"),
        pl.col("tenant_id").alias("tenant"),
        pl.col("date").cast(pl.Date).alias("call_date"),
        pl.coalesce("response_model", "request_model").alias("model"),
    )
    cols = [
        "call_date",
        "tenant",
        "gen_ai_provider",
        "model",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
        "reported_cost_usd",
    ]
    return pl.concat([llm.select(cols), cc.select(cols)])


def _price(value: str, fallback: Decimal) -> Decimal:
    return Decimal(value) if value not in ("", None) else fallback


def call_cost(row: dict, prices: list[dict], aliases: dict[str, str]) -> Decimal | None:
    if row["reported_cost_usd"] is not None:
        return Decimal(row["reported_cost_usd"])
    if row["model"] is None or row["gen_ai_provider"] is None:
        return None
    price = resolve(prices, row["gen_ai_provider"], row["model"], row["call_date"], aliases)
    if price is None:
        return None
    inp = _price(price["input_usd_per_mtok"], Decimal(0))
    out = _price(price["output_usd_per_mtok"], Decimal(0))
    cached = _price(price["cached_input_usd_per_mtok"], inp)
    write = _price(price["cache_write_usd_per_mtok"], inp)
    reasoning = _price(price["reasoning_usd_per_mtok"], out)
    cache_read, cache_write = row["cache_read_tokens"] or 0, row["cache_write_tokens"] or 0
    uncached = max((row["input_tokens"] or 0) - cache_read - cache_write, 0)
    reasoning_tokens = min(row["reasoning_tokens"] or 0, row["output_tokens"] or 0)
    total = (
        uncached * inp
        + cache_read * cached
        + cache_write * write
        + ((row["output_tokens"] or 0) - reasoning_tokens) * out
        + reasoning_tokens * reasoning
    )
    return (total / MTOK).quantize(NANO, rounding=ROUND_HALF_EVEN)


def costs_by_tenant_day(lake: Path) -> dict[tuple[date, str], dict]:
    """(date, tenant or '(unknown)') -> calls, tokens, cost (priced calls), unpriced calls."""
    prices = read_csv(SEEDS / "model_prices.csv")
    overrides = read_csv(SEEDS / "model_prices_overrides.csv")
    aliases = {r["provider_alias"]: r["provider"] for r in read_csv(SEEDS / "provider_aliases.csv")}
    out: dict[tuple[date, str], dict] = {}
    for row in llm_calls(lake).iter_rows(named=True):
        key = (row["call_date"], row["tenant"] or "(unknown)")
        agg = out.setdefault(
            key, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost": Decimal(0), "unpriced": 0}
        )
        cost = call_cost(row, overrides, aliases) if overrides else None
        if cost is None:
            cost = call_cost(row, prices, aliases)
        agg["calls"] += 1
        agg["input_tokens"] += row["input_tokens"] or 0
        agg["output_tokens"] += row["output_tokens"] or 0
        if cost is None:
            agg["unpriced"] += 1
        else:
            agg["cost"] += cost
    return out


def requests_by_tenant_day(lake: Path) -> pl.DataFrame:
    """Root spans per date and tenant: counts (raw and weighted) and latency percentiles."""
    roots = read_lake(lake, "spans").filter(pl.col("parent_span_id").is_null())
    weight = (
        pl.when(pl.col("sample_rate").is_null() | (pl.col("sample_rate") <= 0))
        .then(1.0)
        .when(pl.col("sample_rate") <= 1)
        .then(1.0 / pl.col("sample_rate"))
        .otherwise(pl.col("sample_rate"))
    )
    return (
        roots.with_columns(
            pl.col("date").cast(pl.Date), pl.col("tenant_id").fill_null("(unknown)"), weight.alias("w")
        )
        .group_by("date", "tenant_id")
        .agg(
            pl.len().alias("sampled"),
            pl.col("w").sum().alias("weighted"),
            pl.col("duration_ms").quantile(0.5, interpolation="linear").alias("p50"),
            pl.col("duration_ms").quantile(0.95, interpolation="linear").alias("p95"),
            pl.col("duration_ms").quantile(0.99, interpolation="linear").alias("p99"),
        )
        .sort("date", "tenant_id")
    )
