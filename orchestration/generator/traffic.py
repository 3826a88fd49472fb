"""When requests arrive: a diurnal curve over the UTC day, streamed minute by minute."""

from __future__ import annotations

import random
from collections.abc import Iterator

NS = 1_000_000_000
MINUTE_NS = 60 * NS
DAY_NS = 86_400 * NS
# Leave the last minutes of a day empty so that every trace, its logs and metrics end inside the day.
ACTIVE_MINUTES = 1440 - 15

# Relative load per UTC hour: quiet night, EU morning ramp, peak when EU afternoon meets US morning.
HOURLY = (
    0.18,
    0.14,
    0.12,
    0.11,
    0.12,
    0.16,
    0.28,
    0.48,
    0.72,
    0.88,
    0.95,
    0.97,
    0.98,
    1.00,
    1.00,
    0.98,
    0.94,
    0.86,
    0.74,
    0.62,
    0.50,
    0.40,
    0.31,
    0.24,
)


def minute_counts(rng: random.Random, total: int) -> list[int]:
    """Exactly `total` arrivals over the active minutes, following the diurnal curve.

    Systematic sampling over the cumulative expectation: unbiased per minute even when the
    expectation is far below one request per minute, and the sum is exact.
    """
    weights = []
    for m in range(ACTIVE_MINUTES):
        hour, frac = divmod(m / 60.0, 1.0)
        a, b = HOURLY[int(hour)], HOURLY[(int(hour) + 1) % 24]
        weights.append((a + (b - a) * frac) * rng.uniform(0.75, 1.25))  # noise: bursts and lulls
    scale = total / sum(weights)
    offset = rng.random()
    counts = []
    cumulative, taken = 0.0, 0
    for w in weights:
        cumulative += w * scale
        reached = min(total, int(cumulative + offset))
        counts.append(reached - taken)
        taken = reached
    counts[-1] += total - taken  # float rounding at the very end
    return counts


def arrivals(rng: random.Random, day_start_ns: int, total: int) -> Iterator[int]:
    """Request start times (ns, sorted) for one day; memory is one minute's worth of arrivals."""
    for minute, count in enumerate(minute_counts(rng, total)):
        if not count:
            continue
        base = day_start_ns + minute * MINUTE_NS
        for offset in sorted(rng.random() for _ in range(count)):
            yield base + int(offset * MINUTE_NS)
