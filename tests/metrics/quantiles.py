"""An independent quantile computation for the tests: Prometheus' histogram_quantile rules written
from its documentation, over plain Python lists, with no SQL."""

from __future__ import annotations

import math


def explicit_quantile(q: float, bounds: list[float], counts: list[int]) -> float:
    """counts has one more entry than bounds (the +Inf bucket)."""
    rank = q * sum(counts)
    seen = 0
    for i, count in enumerate(counts):
        if seen + count >= rank and count > 0:
            if i == len(bounds):
                return bounds[-1]  # the +Inf bucket: the highest finite bound
            upper = bounds[i]
            lower = bounds[i - 1] if i > 0 else (0.0 if upper > 0 else upper)
            if i == 0 and upper <= 0:
                return upper
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    raise ValueError("empty histogram")


def exponential_quantile(q: float, histograms: list[tuple[int, int, list[int], int]]) -> float:
    """histograms: (scale, positive offset, positive counts, zero count); merged at the lowest scale,
    interpolated exponentially inside a bucket, linearly in the zero bucket (width 0 here)."""
    scale = min(h[0] for h in histograms)
    merged: dict[int, int] = {}
    zero = 0
    for own_scale, offset, counts, zero_count in histograms:
        zero += zero_count
        for i, count in enumerate(counts):
            index = (offset + i) >> (own_scale - scale)
            merged[index] = merged.get(index, 0) + count
    total = zero + sum(merged.values())
    rank = q * total
    if rank <= zero:
        return 0.0
    seen = zero
    base = 2.0 ** (2.0**-scale)
    for index in sorted(merged):
        count = merged[index]
        if seen + count >= rank:
            lower, upper = base**index, base ** (index + 1)
            return lower * math.pow(upper / lower, (rank - seen) / count)
        seen += count
    raise ValueError("rank beyond the buckets")
