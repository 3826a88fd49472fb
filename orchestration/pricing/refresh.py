"""Regenerate the pricing seeds from the price data bundled in the installed genai-prices package.

    python -m orchestration.pricing.refresh [SEED_PATH]

Only the *bundled* data is read (never genai-prices' auto-updating snapshot, never the network), so the
output depends on the installed package version alone and rerunning gives a byte-identical file.
The generated CSVs are committed; `tests/pricing` fails if they drift from a fresh refresh.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import genai_prices
from genai_prices.data import providers as bundled_providers

from orchestration.pricing.aliases import alias_rows
from orchestration.pricing.columns import (
    MODEL_PRICE_COLUMNS,
    MODEL_PRICE_TIER_COLUMNS,
    PROVIDER_ALIAS_COLUMNS,
)
from orchestration.pricing.extract import build_price_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEED_PATH = REPO_ROOT / "dbt_project" / "seeds" / "model_prices.csv"
ALIASES_FILE_NAME = "provider_aliases.csv"
TIERS_FILE_NAME = "model_price_tiers.csv"


@dataclass(frozen=True)
class RefreshSummary:
    seed_path: Path
    aliases_path: Path
    tiers_path: Path
    price_source: str
    rows_written: int
    tier_rows_written: int
    providers: tuple[str, ...]
    alias_rows_written: int
    # clause kind -> count of genai-prices match clauses that could not be expressed as exact/prefix
    skipped_rules: dict[str, int]
    # clause kind -> count of clauses expressed by a narrower exact/prefix rule
    approximated_rules: dict[str, int]
    models_without_rules: int
    models_without_token_prices: int
    models_with_tiers: int
    models_with_price_variants: int
    time_of_day_windows_skipped: int
    fallback_rows: int
    namespaced_rules: int
    rounded_values: int
    dropped_aliases: tuple[str, ...]
    skipped_variant_contexts: dict[str, int]

    def render(self) -> str:
        def counts(mapping: dict[str, int]) -> str:
            return ", ".join(f"{kind}={n}" for kind, n in sorted(mapping.items())) or "none"

        lines = [
            f"Source: {self.price_source} (bundled data)",
            f"Wrote {self.rows_written} price rows for {len(self.providers)} providers -> {self.seed_path}",
            f"Wrote {self.tier_rows_written} long-context and service-tier price rows -> {self.tiers_path}",
            f"Wrote {self.alias_rows_written} provider aliases -> {self.aliases_path}",
            f"Skipped match clauses (no exact/prefix equivalent): {counts(self.skipped_rules)}",
            f"Approximated match clauses (narrowed to exact/prefix): {counts(self.approximated_rules)}",
            f"Models with no expressible match rule: {self.models_without_rules}",
            f"Models not priced per token (audio hours, pages, requests): {self.models_without_token_prices}",
            f"Models with long-context tiers: {self.models_with_tiers}",
            f"Models with batch/flex/priority variants: {self.models_with_price_variants}",
            f"Price variants skipped (no service tier): {counts(self.skipped_variant_contexts)}",
            f"Time-of-day price windows skipped (standard rate used): {self.time_of_day_windows_skipped}",
            f"Rows served through a fallback provider: {self.fallback_rows}",
            f"Namespaced prefixes added for 'contains' clauses (e.g. us.anthropic.*): {self.namespaced_rules}",
            f"Prices rounded to 9 decimals: {self.rounded_values}",
        ]
        if self.dropped_aliases:
            lines.append(f"Aliases dropped (target not priced): {', '.join(self.dropped_aliases)}")
        return "\n".join(lines)


def refresh_prices(
    seed_path: Path | str = DEFAULT_SEED_PATH, *, aliases_path: Path | str | None = None
) -> RefreshSummary:
    """Write model_prices.csv to `seed_path`, and model_price_tiers.csv and provider_aliases.csv next
    to it (the aliases to `aliases_path` if given).

    The alias seed is regenerated together with the prices because it carries one identity row per
    priced provider and must never point at a provider the price table lacks.
    """
    seed_path = Path(seed_path)
    aliases_path = Path(aliases_path) if aliases_path else seed_path.with_name(ALIASES_FILE_NAME)
    tiers_path = seed_path.with_name(TIERS_FILE_NAME)
    price_source = f"genai-prices {genai_prices.__version__}"

    rows, tier_rows, stats = build_price_rows(bundled_providers, price_source)
    providers = tuple(sorted({row.provider for row in rows}))
    aliases, dropped = alias_rows(providers)

    _write_csv(seed_path, MODEL_PRICE_COLUMNS, [row.as_csv() for row in rows])
    _write_csv(tiers_path, MODEL_PRICE_TIER_COLUMNS, [row.as_csv() for row in tier_rows])
    _write_csv(aliases_path, PROVIDER_ALIAS_COLUMNS, [list(pair) for pair in aliases])

    return RefreshSummary(
        seed_path=seed_path,
        aliases_path=aliases_path,
        tiers_path=tiers_path,
        price_source=price_source,
        rows_written=len(rows),
        tier_rows_written=len(tier_rows),
        providers=providers,
        alias_rows_written=len(aliases),
        skipped_rules=dict(sorted(stats.skipped_clauses.items())),
        approximated_rules=dict(sorted(stats.approximated_clauses.items())),
        models_without_rules=stats.models_without_rules,
        models_without_token_prices=stats.models_without_token_prices,
        models_with_tiers=stats.models_with_tiers,
        models_with_price_variants=stats.models_with_price_variants,
        time_of_day_windows_skipped=stats.time_of_day_windows_skipped,
        fallback_rows=stats.fallback_rows,
        namespaced_rules=stats.namespaced_rules,
        rounded_values=stats.rounded_values,
        dropped_aliases=tuple(dropped),
        skipped_variant_contexts=dict(sorted(stats.tiers.skipped_variant_contexts.items())),
    )


def _write_csv(path: Path, header: tuple[str, ...], body: list[list[str]]) -> None:
    # "\n" line endings and minimal quoting on every platform: the file is committed and diffed.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write-then-rename so an interrupted refresh never leaves a truncated seed behind. A plain open()
    # (not mkstemp) so the file gets the usual umask-based permissions.
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    summary = refresh_prices(Path(args[0]) if args else DEFAULT_SEED_PATH)
    print(summary.render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
