"""LLM price seeds for the warehouse, generated from the genai-prices package (see docs/pricing.md).

Public entry point: `orchestration.pricing.refresh.refresh_prices`. It is re-exported lazily so that
`python -m orchestration.pricing.refresh` does not import the module twice (runpy warns about that).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_SEED_PATH", "RefreshSummary", "refresh_prices"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from orchestration.pricing import refresh

        return getattr(refresh, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
