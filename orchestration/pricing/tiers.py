"""The prices model_prices.csv cannot hold: long-context tiers and service tiers (model_price_tiers.csv).

genai-prices prices some models per request context:

* **long context** (`TieredPrices`): a price key costs more for every token of a request whose input
  tokens exceed a threshold (Gemini Pro above 200k, Claude Sonnet long context); the whole request pays
  the higher rate;
* **service tiers** (`price_variants`): OpenAI/Google `service_tier` flex / priority, batch processing
  (`processing: batch`), each a partial price set laid over the standard one, from a start date.

Each tier row is a *full* price set for one (rule, service tier, input-token threshold, date range): the
prices genai-prices itself resolves for that context (`ModelInfo.get_prices(ts, price_context)`), with
every tiered key at the rate of the highest tier whose threshold the row's threshold reaches. The
standard tier at threshold 0 is model_prices.csv itself and is not repeated. A service tier row exists
only where the price list prices that tier differently from standard on that day; elsewhere the
warehouse falls back to the multipliers of seed service_tier_multipliers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from genai_prices import types as gp

from orchestration.pricing.columns import EPOCH, PRICE_KEYS, PriceRow, TokenPrices

STANDARD_TIER = "standard"
# genai-prices variant condition -> the warehouse's service tier (int_llm_calls_normalized.service_tier)
_CONTEXT_TIERS: dict[tuple[str, str], str] = {("processing", "batch"): "batch"}
_SERVICE_TIER_KEY = "service_tier"
_NOT_A_TIER = {"default", "auto", STANDARD_TIER}


@dataclass(frozen=True, order=True)
class TierRow:
    """One line of model_price_tiers.csv. Field order is the sort order of the file."""

    provider: str
    model_match: str
    match_type: str
    service_tier: str
    input_tokens_above: int
    effective_from: date
    effective_to: date | None
    prices: TokenPrices
    price_source: str

    def as_csv(self) -> list[str]:
        # the cells of model_prices.csv with the request context after the rule (MODEL_PRICE_TIER_COLUMNS)
        cells = PriceRow(
            self.provider,
            self.model_match,
            self.match_type,
            self.effective_from,
            self.effective_to,
            self.prices,
            self.price_source,
        ).as_csv()
        return [*cells[:3], self.service_tier, str(self.input_tokens_above), *cells[3:]]


@dataclass
class TierStats:
    skipped_variant_contexts: Counter[str] = field(default_factory=Counter)  # e.g. speed=fast, route=...


def service_tier_of(when: dict[str, str]) -> str | None:
    """The warehouse service tier a genai-prices variant condition stands for; None when it is none."""
    if len(when) != 1:
        return None
    ((key, value),) = when.items()
    if key == _SERVICE_TIER_KEY:
        return None if value in _NOT_A_TIER else value
    return _CONTEXT_TIERS.get((key, value))


def prices_above(price: gp.ModelPrice, threshold: int) -> TokenPrices | None:
    """The token prices of a request with more than `threshold` input tokens (None: not per token)."""
    stored = {key: value for key, value in price.__dict__.items() if not key.startswith("_")}
    values = {name: _at(stored.get(key), threshold) for name, key in PRICE_KEYS.items()}
    if values["input"] is None and values["output"] is None:
        return None
    return TokenPrices(**values)


def thresholds(price: gp.ModelPrice) -> set[int]:
    return {
        tier.start
        for value in price.__dict__.values()
        if isinstance(value, gp.TieredPrices)
        for tier in value.tiers
    }


def _at(value: object, threshold: int):
    # genai-prices applies a tier when input tokens > tier.start; a row "above T" covers (T, next T],
    # where exactly the tiers starting at or below T apply
    if isinstance(value, gp.TieredPrices):
        applicable = [tier.price for tier in value.tiers if tier.start <= threshold]
        return applicable[-1] if applicable else value.base
    return value


def model_tier_rows(
    model: gp.ModelInfo, *, with_variants: bool, has_time_of_day: bool, stats: TierStats
) -> list[tuple[str, int, date, date | None, TokenPrices]]:
    """(service tier, threshold, from, to, prices) of one model, without the standard base rows.

    `with_variants` is False for models a provider serves from a fallback provider's catalogue:
    genai-prices applies no request context to those either.
    """
    tiers: list[str] = []
    for variant in model.price_variants or () if with_variants else ():
        tier = service_tier_of(variant.when)
        if tier is None:
            if not (len(variant.when) == 1 and variant.when.get(_SERVICE_TIER_KEY) in _NOT_A_TIER):
                stats.skipped_variant_contexts.update(f"{k}={v}" for k, v in variant.when.items())
        elif tier not in tiers:
            tiers.append(tier)
    days = _boundaries(model, with_variants)
    # (tier, threshold) -> the prices on each boundary day (None: no distinct price that day)
    series: dict[tuple[str, int], list[TokenPrices | None]] = {}
    for index, day in enumerate(days):
        # the standard rate of a day with off-peak windows is the one at noon (see timeline.py)
        moment = datetime.combine(day, time(12 if has_time_of_day else 0), tzinfo=UTC)
        standard = model.get_prices(moment)
        for tier in [STANDARD_TIER, *tiers]:
            price = standard if tier == STANDARD_TIER else _variant_price(model, moment, tier)
            if price is None:
                continue
            for threshold in {0} | thresholds(price) | thresholds(standard):
                if tier == STANDARD_TIER and threshold == 0:
                    continue  # model_prices.csv
                prices = prices_above(price, threshold)
                if tier != STANDARD_TIER and prices == prices_above(standard, threshold):
                    continue  # the tier costs what standard costs: no tier price that day
                series.setdefault((tier, threshold), [None] * len(days))[index] = prices
    rows = []
    for (tier, threshold), values in series.items():
        start = None
        for index, value in enumerate(values):
            end_of_run = index + 1 == len(values) or values[index + 1] != value
            if value is not None and start is None:
                start = days[index]
            if value is not None and end_of_run:
                rows.append(
                    (tier, threshold, start, days[index + 1] if index + 1 < len(days) else None, value)
                )
                start = None
    return rows


def _variant_price(model: gp.ModelInfo, moment: datetime, tier: str) -> gp.ModelPrice | None:
    contexts = [
        variant.when for variant in model.price_variants or () if service_tier_of(variant.when) == tier
    ]
    return model.get_prices(moment, contexts[0]) if contexts else None


def _boundaries(model: gp.ModelInfo, with_variants: bool) -> list[date]:
    starts = {EPOCH}
    if not isinstance(model.prices, gp.ModelPrice):
        starts |= {
            c.constraint.start_date for c in model.prices if isinstance(c.constraint, gp.StartDateConstraint)
        }
    if with_variants:
        starts |= {
            v.constraint.start_date
            for v in model.price_variants or ()
            if isinstance(v.constraint, gp.StartDateConstraint)
        }
    return sorted(day for day in starts if day >= EPOCH)
