"""Turn a genai-prices model's price list into non-overlapping [effective_from, effective_to) ranges.

genai-prices stores either one fixed price or a list of conditional prices ("the last active one
wins; if none is active, the first one"). Conditions are start dates or daily time-of-day windows
(DeepSeek's off-peak discounts). Instead of re-implementing that precedence, we ask the library
itself which price is active on each date, so our ranges agree with `genai_prices.calc_price`.

Time-of-day windows cannot be expressed in a date-range table. For those models each date range
gets the price that is active for the largest part of the UTC day (the standard rate), and the
windows are counted as skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from genai_prices import types as gp

from orchestration.pricing.columns import EPOCH

_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class PriceSegment:
    start: date
    end: date | None  # exclusive; None = open-ended
    price: gp.ModelPrice


@dataclass(frozen=True)
class Timeline:
    segments: tuple[PriceSegment, ...]
    time_of_day_windows_skipped: int


def model_timeline(model: gp.ModelInfo) -> Timeline:
    if isinstance(model.prices, gp.ModelPrice):
        return Timeline((PriceSegment(EPOCH, None, model.prices),), 0)

    constraints = [conditional.constraint for conditional in model.prices]
    tod_windows = sum(isinstance(c, gp.TimeOfDateConstraint) for c in constraints)
    # Start dates before EPOCH collapse into EPOCH: the table does not go further back.
    boundaries = sorted(
        {EPOCH}
        | {
            c.start_date
            for c in constraints
            if isinstance(c, gp.StartDateConstraint) and c.start_date > EPOCH
        }
    )

    prices = [_dominant_price(model, day, has_time_of_day=tod_windows > 0) for day in boundaries]
    segments: list[PriceSegment] = []
    for start, price in zip(boundaries, prices, strict=True):
        if segments and segments[-1].price is price:
            continue  # same price as the previous range: extend it instead of starting a new row
        segments.append(PriceSegment(start, None, price))
    # Each range ends where the next one starts.
    closed = [
        PriceSegment(seg.start, segments[i + 1].start if i + 1 < len(segments) else None, seg.price)
        for i, seg in enumerate(segments)
    ]
    return Timeline(tuple(closed), tod_windows)


def _dominant_price(model: gp.ModelInfo, day: date, *, has_time_of_day: bool) -> gp.ModelPrice:
    """The price genai-prices would apply on `day` (for most of the day, if time-of-day rules exist).

    `get_prices` returns the stored ModelPrice object itself, so identity tells which entry applied.
    """
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    if not has_time_of_day:
        return model.get_prices(midnight)
    votes: Counter[int] = Counter()
    by_id: dict[int, gp.ModelPrice] = {}
    for minute in range(_MINUTES_PER_DAY):
        price = model.get_prices(midnight + timedelta(minutes=minute))
        votes[id(price)] += 1
        by_id[id(price)] = price
    # Ties (never seen in practice) go to the earliest entry in the source list, for determinism.
    order = {id(conditional.prices): i for i, conditional in enumerate(model.prices)}  # type: ignore[union-attr]
    best = max(votes, key=lambda key: (votes[key], -order.get(key, 0)))
    return by_id[best]
