"""The shape of the pricing seeds and how money is written into them.

The column lists here are the contract with the dbt project (`_pricing__seeds.yml`) and with the
overrides seed that users edit by hand, so they live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

MODEL_PRICE_COLUMNS: tuple[str, ...] = (
    "provider",
    "model_match",
    "match_type",
    "effective_from",
    "effective_to",
    "input_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "output_usd_per_mtok",
    "reasoning_usd_per_mtok",
    "price_source",
)

# model_price_tiers.csv: the model_prices columns plus the request context a row applies to
MODEL_PRICE_TIER_COLUMNS: tuple[str, ...] = (
    *MODEL_PRICE_COLUMNS[:3],
    "service_tier",
    "input_tokens_above",
    *MODEL_PRICE_COLUMNS[3:],
)

PROVIDER_ALIAS_COLUMNS: tuple[str, ...] = ("provider_alias", "provider")

# genai-prices price keys of the token kinds the warehouse prices separately (TokenPrices' fields).
# Other keys (audio, image, per-request, web-search, 1h cache writes, ...) have no column and are ignored.
PRICE_KEYS: dict[str, str] = {
    "input": "input_mtok",
    "cached_input": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "output": "output_mtok",
    "reasoning": "output_reasoning_mtok",
}

MATCH_EXACT = "exact"
MATCH_PREFIX = "prefix"

# Rows whose source price list has no start date are valid "since forever". A concrete date keeps the
# column NOT NULL and makes range joins simple; no LLM API call predates it.
EPOCH = date(2020, 1, 1)

# The warehouse stores prices as decimal(38,9). Writing more digits than that would only be rounded
# silently at load time, and some upstream values carry float noise (0.18000000000000002), so the
# seed is rounded here, once, where it is visible and tested.
MONEY_SCALE = 9
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


def quantize_money(value: Decimal) -> Decimal:
    """Round a USD-per-million-token price to the warehouse scale (banker's rounding)."""
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def format_money(value: Decimal | None) -> str:
    """Plain decimal text without exponent or trailing zeros; empty for "no price"."""
    if value is None:
        return ""
    normalized = quantize_money(value).normalize()
    # format(..., "f") never emits exponents (Decimal("1E+1") -> "10"); normalize() turns 0.000 into 0E-3.
    text = format(normalized, "f")
    return "0" if Decimal(text) == 0 else text


@dataclass(frozen=True, order=True)
class TokenPrices:
    """USD per million tokens for the token kinds the warehouse prices separately.

    None means "the source has no separate price for this kind": cached input and cache writes then
    cost the input price, reasoning costs the output price, and missing input/output cost nothing.
    """

    input: Decimal | None
    cached_input: Decimal | None
    cache_write: Decimal | None
    output: Decimal | None
    reasoning: Decimal | None

    def as_csv(self) -> list[str]:
        return [
            format_money(v)
            for v in (self.input, self.cached_input, self.cache_write, self.output, self.reasoning)
        ]


@dataclass(frozen=True, order=True)
class PriceRow:
    """One line of model_prices.csv. Field order is the sort order of the file."""

    provider: str
    model_match: str
    match_type: str
    effective_from: date
    effective_to: date | None
    prices: TokenPrices
    price_source: str

    def as_csv(self) -> list[str]:
        return [
            self.provider,
            self.model_match,
            self.match_type,
            self.effective_from.isoformat(),
            self.effective_to.isoformat() if self.effective_to else "",
            *self.prices.as_csv(),
            self.price_source,
        ]
