"""Reference implementation of how the warehouse picks a price row for one LLM call.

The dbt model does the same thing in SQL; this Python twin exists so tests (and anyone debugging a
cost) can check the seed without building the warehouse:

1. lower-case the provider and map it through provider_aliases;
2. keep rows of that provider whose [effective_from, effective_to) contains the call date;
3. an `exact` row equal to the lower-cased model name wins; otherwise the longest `prefix` row
   the name starts with.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def resolve(
    rows: Iterable[Mapping[str, str]],
    provider: str,
    model: str,
    on: date,
    aliases: Mapping[str, str] | None = None,
) -> Mapping[str, str] | None:
    provider = provider.lower()
    provider = (aliases or {}).get(provider, provider)
    model = model.lower()
    day = on.isoformat()  # ISO dates compare correctly as strings
    live = [
        row
        for row in rows
        if row["provider"] == provider
        and row["effective_from"] <= day
        and (not row["effective_to"] or day < row["effective_to"])
    ]
    for row in live:
        if row["match_type"] == "exact" and row["model_match"] == model:
            return row
    prefixes = [row for row in live if row["match_type"] == "prefix" and model.startswith(row["model_match"])]
    return max(prefixes, key=lambda row: len(row["model_match"]), default=None)
