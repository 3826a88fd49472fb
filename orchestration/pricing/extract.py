"""Walk the genai-prices provider data and produce model_prices rows.

Precedence follows genai-prices so the warehouse prices a name the way `genai_prices.calc_price` does:

* within a provider the *first* model whose rule matches a name wins, so an exact row for a name takes
  the prices of whichever model genai-prices would pick for that name;
* a provider with `fallback_model_providers` (Azure -> OpenAI, Google -> Anthropic, ...) serves the
  fallback provider's models for names it does not price itself. Those rows are materialised under
  the serving provider's id because the warehouse joins on the telemetry provider, not on ours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from genai_prices import types as gp

from orchestration.pricing.columns import MATCH_EXACT, PRICE_KEYS, PriceRow, TokenPrices, quantize_money
from orchestration.pricing.match_rules import (
    MatchRule,
    expand_clause,
    literal_texts,
    namespaced_prefixes,
    provider_namespaces,
)
from orchestration.pricing.tiers import TierRow, TierStats, model_tier_rows
from orchestration.pricing.timeline import Timeline, model_timeline


@dataclass
class ExtractStats:
    skipped_clauses: Counter[str] = field(default_factory=Counter)
    approximated_clauses: Counter[str] = field(default_factory=Counter)
    models_without_rules: int = 0  # every clause of the model was skipped
    models_without_token_prices: int = 0  # priced per audio hour / page / request only
    models_with_tiers: int = 0  # long-context tiers: their prices go to model_price_tiers.csv
    models_with_price_variants: int = 0  # batch / flex / priority tiers: model_price_tiers.csv too
    tiers: TierStats = field(default_factory=TierStats)
    time_of_day_windows_skipped: int = 0
    fallback_rows: int = 0
    namespaced_rules: int = 0  # "us.anthropic.<X>" prefixes added for `contains X` clauses
    rounded_values: int = 0  # values with more than 9 decimals (float noise upstream)


@dataclass(frozen=True)
class _Owner:
    model: gp.ModelInfo
    via: str | None  # fallback provider id the model comes from, None for the provider's own models


def token_prices(price: gp.ModelPrice) -> TokenPrices | None:
    """The token prices of one genai-prices price set; None when it is not priced per token."""
    stored = {
        key: value for key, value in price.__dict__.items() if not key.startswith("_") and value is not None
    }
    if not stored:
        # genai-prices uses an empty price set for models that are free of charge (":free" variants,
        # subscription-included Copilot models); it prices them at $0, and so do we.
        return TokenPrices(Decimal(0), None, None, Decimal(0), None)
    values = {name: _base_price(stored.get(key)) for name, key in PRICE_KEYS.items()}
    if values["input"] is None and values["output"] is None:
        return None
    return TokenPrices(**values)


def _base_price(value: Decimal | gp.TieredPrices | None) -> Decimal | None:
    # Tiers depend on the prompt size of each request (e.g. >200k tokens); the base tier is what the
    # vast majority of calls pay. Documented as a known limitation in docs/pricing.md.
    if isinstance(value, gp.TieredPrices):
        return value.base
    return value


def build_price_rows(
    providers: Iterable[gp.Provider], source_label: str
) -> tuple[list[PriceRow], list[TierRow], ExtractStats]:
    """The rows of model_prices.csv (standard tier, base rate) and of model_price_tiers.csv."""
    providers = list(providers)
    by_id = {provider.id: provider for provider in providers}
    stats = ExtractStats()
    own_tables = {provider.id: _own_rules(provider, stats) for provider in providers}
    timelines: dict[int, Timeline] = {}
    tier_cache: dict[tuple[int, bool], list] = {}

    rows: list[PriceRow] = []
    tier_rows: list[TierRow] = []
    for provider in providers:
        table = _with_fallbacks(provider, own_tables, by_id)
        for rule, owner in table.items():
            timeline = _cached_timeline(owner.model, timelines)
            source = f"{source_label} via {owner.via}" if owner.via else source_label
            for segment in timeline.segments:
                prices = token_prices(segment.price)
                if prices is None:
                    continue
                rows.append(
                    PriceRow(
                        provider=provider.id,
                        model_match=rule.text,
                        match_type=rule.kind,
                        effective_from=segment.start,
                        effective_to=segment.end,
                        prices=prices,
                        price_source=source,
                    )
                )
                stats.fallback_rows += owner.via is not None
            key = (id(owner.model), owner.via is None)
            if key not in tier_cache:
                tier_cache[key] = model_tier_rows(
                    owner.model,
                    with_variants=owner.via is None,
                    has_time_of_day=timeline.time_of_day_windows_skipped > 0,
                    stats=stats.tiers,
                )
            tier_rows.extend(
                TierRow(provider.id, rule.text, rule.kind, tier, above, start, end, prices, source)
                for tier, above, start, end, prices in tier_cache[key]
            )

    _count_model_stats(providers, stats, timelines)
    stats.rounded_values = sum(
        value is not None and quantize_money(value) != value
        for row in rows
        for value in (
            row.prices.input,
            row.prices.cached_input,
            row.prices.cache_write,
            row.prices.output,
            row.prices.reasoning,
        )
    )
    return sorted(rows), sorted(tier_rows), stats


def _own_rules(provider: gp.Provider, stats: ExtractStats) -> dict[MatchRule, _Owner]:
    table: dict[MatchRule, _Owner] = {}
    namespaces = provider_namespaces(text for model in provider.models for text in literal_texts(model.match))
    for model in provider.models:
        expansion = expand_clause(model.match)
        stats.skipped_clauses.update(expansion.skipped)
        stats.approximated_clauses.update(expansion.approximated)
        stats.models_without_rules += not expansion.rules
        extra = [rule for text in expansion.contains_texts for rule in namespaced_prefixes(text, namespaces)]
        stats.namespaced_rules += len(extra)
        for rule in [*expansion.rules, *extra]:
            if rule in table:
                continue  # an earlier model already claims this exact rule: genai-prices picks the first
            if rule.kind == MATCH_EXACT:
                # The name may be caught first by an earlier model's broader rule (prefix, regex...).
                resolved = next((m for m in provider.models if m.is_match(rule.text)), model)
                table[rule] = _Owner(resolved, None)
            else:
                table[rule] = _Owner(model, None)
    return table


def _with_fallbacks(
    provider: gp.Provider,
    own_tables: dict[str, dict[MatchRule, _Owner]],
    by_id: dict[str, gp.Provider],
) -> dict[MatchRule, _Owner]:
    table = dict(own_tables[provider.id])
    for fallback_id in provider.fallback_model_providers or ():
        if fallback_id not in by_id:
            continue
        # One step only, like genai-prices: a fallback's own fallbacks are not followed.
        for rule, owner in own_tables[fallback_id].items():
            if rule in table:
                continue
            if any(model.is_match(rule.text) for model in provider.models):
                continue  # the provider prices this name itself (perhaps via a rule we cannot express)
            if rule.kind == MATCH_EXACT:
                # An earlier fallback provider may already answer for this name.
                owner = _first_fallback_match(provider, rule.text, by_id) or owner
            table[rule] = _Owner(owner.model, owner.via or fallback_id)
    return table


def _first_fallback_match(provider: gp.Provider, name: str, by_id: dict[str, gp.Provider]) -> _Owner | None:
    for fallback_id in provider.fallback_model_providers or ():
        fallback = by_id.get(fallback_id)
        model = next((m for m in fallback.models if m.is_match(name)), None) if fallback else None
        if model is not None:
            return _Owner(model, fallback_id)
    return None


def _cached_timeline(model: gp.ModelInfo, cache: dict[int, Timeline]) -> Timeline:
    # Keyed by identity: the same ModelInfo serves many rules and fallback providers.
    if id(model) not in cache:
        cache[id(model)] = model_timeline(model)
    return cache[id(model)]


def _count_model_stats(
    providers: list[gp.Provider], stats: ExtractStats, timelines: dict[int, Timeline]
) -> None:
    for provider in providers:
        for model in provider.models:
            timeline = _cached_timeline(model, timelines)
            stats.time_of_day_windows_skipped += timeline.time_of_day_windows_skipped
            stats.models_with_price_variants += bool(model.price_variants)
            price_sets = [segment.price for segment in timeline.segments]
            stats.models_without_token_prices += all(token_prices(p) is None for p in price_sets)
            stats.models_with_tiers += any(
                isinstance(p.__dict__.get(key), gp.TieredPrices)
                for p in price_sets
                for key in PRICE_KEYS.values()
            )
