"""The pricing seeds: reproducible, well-formed, and faithful to genai-prices."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import genai_prices
import pytest
from genai_prices import types as gp
from genai_prices.data import providers as bundled_providers

from orchestration.pricing.aliases import CURATED_ALIASES, SELF_HOSTED_ALIASES, SELF_HOSTED_PROVIDER
from orchestration.pricing.columns import MODEL_PRICE_COLUMNS, PROVIDER_ALIAS_COLUMNS, quantize_money
from orchestration.pricing.extract import token_prices
from orchestration.pricing.lookup import read_csv, resolve
from orchestration.pricing.match_rules import MatchRule, expand_clause, literal_texts
from orchestration.pricing.refresh import refresh_prices

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
PRICE_COLUMNS = (
    "input_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "output_usd_per_mtok",
    "reasoning_usd_per_mtok",
)
PLAIN_DECIMAL = re.compile(r"^(0|[1-9]\d*)(\.\d{0,8}[1-9])?$")  # no sign, exponent or trailing zeros
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    seed = tmp_path_factory.mktemp("seeds") / "model_prices.csv"
    summary = refresh_prices(seed)
    assert summary.rows_written == len(read_csv(seed))
    return seed


@pytest.fixture(scope="module")
def rows(fresh: Path) -> list[dict[str, str]]:
    return read_csv(fresh)


@pytest.fixture(scope="module")
def aliases(fresh: Path) -> dict[str, str]:
    return {
        row["provider_alias"]: row["provider"] for row in read_csv(fresh.with_name("provider_aliases.csv"))
    }


# --- reproducibility ------------------------------------------------------------------------------


def test_refresh_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "model_prices.csv", tmp_path / "b" / "model_prices.csv"
    refresh_prices(first)
    refresh_prices(second)
    assert first.read_bytes() == second.read_bytes()
    assert (
        first.with_name("provider_aliases.csv").read_bytes()
        == second.with_name("provider_aliases.csv").read_bytes()
    )
    refresh_prices(first)  # overwriting in place is also stable
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("name", ["model_prices.csv", "provider_aliases.csv"])
def test_committed_seed_equals_fresh_refresh(fresh: Path, name: str) -> None:
    committed = SEEDS / name
    assert committed.read_bytes() == fresh.with_name(name).read_bytes(), (
        f"{committed} is stale for genai-prices {genai_prices.__version__}: "
        "run `python -m orchestration.pricing.refresh` and commit the result"
    )


def test_summary_reports_what_was_skipped(tmp_path: Path) -> None:
    summary = refresh_prices(tmp_path / "model_prices.csv")
    assert summary.price_source == f"genai-prices {genai_prices.__version__}"
    assert summary.rows_written > 1000
    assert {"openai", "anthropic", "google", "aws", "azure", "mistral"} <= set(summary.providers)
    assert set(summary.skipped_rules) <= {"regex", "and"}  # a new clause kind would show up here
    assert "Skipped match clauses" in summary.render()


# --- shape ----------------------------------------------------------------------------------------


def test_headers() -> None:
    assert (SEEDS / "model_prices.csv").read_text().splitlines()[0] == ",".join(MODEL_PRICE_COLUMNS)
    # Overrides are hand-maintained but must keep exactly the generated columns to be unioned with them.
    assert (SEEDS / "model_prices_overrides.csv").read_text().splitlines()[0] == ",".join(MODEL_PRICE_COLUMNS)
    assert (SEEDS / "provider_aliases.csv").read_text().splitlines()[0] == ",".join(PROVIDER_ALIAS_COLUMNS)


def test_rows_are_well_formed_and_unique(rows: list[dict[str, str]]) -> None:
    keys = set()
    for row in rows:
        assert row["provider"] and row["model_match"] == row["model_match"].lower()
        assert row["match_type"] in {"exact", "prefix"}
        assert ISO_DATE.match(row["effective_from"])
        assert row["effective_to"] == "" or (
            ISO_DATE.match(row["effective_to"]) and row["effective_from"] < row["effective_to"]
        )
        assert row["price_source"].startswith(f"genai-prices {genai_prices.__version__}")
        key = (row["provider"], row["model_match"], row["match_type"], row["effective_from"])
        assert key not in keys, key
        keys.add(key)
    assert rows == sorted(
        rows, key=lambda r: (r["provider"], r["model_match"], r["match_type"], r["effective_from"])
    )


def test_prices_are_plain_non_negative_decimals(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for column in PRICE_COLUMNS:
            if row[column]:
                assert PLAIN_DECIMAL.match(row[column]), (column, row)
        assert row["input_usd_per_mtok"] or row["output_usd_per_mtok"], row
        values = [Decimal(row[c]) for c in PRICE_COLUMNS if row[c]]
        # Zero only for models genai-prices lists as free (":free" variants, subscription-included):
        # those rows are all-zero, never a zero mixed into a paid price set.
        assert all(v > 0 for v in values) or all(v == 0 for v in values), row


def test_effective_ranges_do_not_overlap(rows: list[dict[str, str]]) -> None:
    ranges: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        ranges[(row["provider"], row["model_match"])].append(
            (row["effective_from"], row["effective_to"] or "9999-12-31")
        )
    for key, spans in ranges.items():
        spans.sort()
        for (_, end), (next_start, _) in itertools.pairwise(spans):
            assert end <= next_start, (key, spans)


# --- resolution -----------------------------------------------------------------------------------

COMMON_MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4.1"),
    ("openai", "o3-mini"),
    ("openai", "text-embedding-3-small"),
    ("anthropic", "claude-3-5-sonnet-20241022"),
    ("anthropic", "claude-sonnet-4-20250514"),
    ("anthropic", "claude-3-5-haiku-20241022"),
    ("anthropic", "claude-opus-4"),
    ("google", "gemini-1.5-pro"),
    ("google", "gemini-2.0-flash"),
    ("google", "gemini-2.5-pro"),
    ("mistral", "mistral-large-latest"),
    # The same models as telemetry names them.
    ("gcp.vertex_ai", "gemini-2.5-pro-preview-06-05"),
    ("gcp.gemini", "gemini-2.0-flash-001"),
    ("azure.ai.openai", "gpt-4o"),
    ("aws.bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ("aws.bedrock", "anthropic.claude-sonnet-4-20250514-v1:0"),
    ("mistral_ai", "mistral-large-latest"),
    ("OpenAI", "GPT-4o"),  # OpenLLMetry capitalisation; the warehouse lower-cases both sides
]


@pytest.mark.parametrize(("provider", "model"), COMMON_MODELS)
def test_common_models_resolve_to_genai_prices_price(
    rows: list[dict[str, str]], aliases: dict[str, str], provider: str, model: str
) -> None:
    today = date.today()
    row = resolve(rows, provider, model, today, aliases)
    assert row is not None, f"{provider}/{model} has no price row"
    assert Decimal(row["input_usd_per_mtok"]) > 0
    if "embedding" not in model:
        assert Decimal(row["output_usd_per_mtok"]) > 0

    # 1,000 tokens stay below every tier threshold, so genai-prices uses the base tier like we do.
    when = datetime.combine(today, time(12), tzinfo=UTC)
    calc = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=1000, output_tokens=1000),
        model.lower(),
        provider_id=row["provider"],
        genai_request_timestamp=when,
    )
    ours_input = Decimal(row["input_usd_per_mtok"]) * 1000 / 1_000_000
    ours_output = Decimal(row["output_usd_per_mtok"] or 0) * 1000 / 1_000_000
    assert calc.input_price == ours_input
    assert calc.output_price == ours_output


def test_every_named_model_agrees_with_genai_prices(rows: list[dict[str, str]]) -> None:
    """For every model name the source data mentions, on every date a price changes, our lookup
    returns what genai-prices itself would charge (or nothing where genai-prices has no token price)."""
    by_provider: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_provider[row["provider"]].append(row)
    dates = sorted({date.fromisoformat(row["effective_from"]) for row in rows} | {date.today()})
    by_id = {provider.id: provider for provider in bundled_providers}

    mismatches = []
    for provider in bundled_providers:
        sources = [provider, *(by_id[f] for f in provider.fallback_model_providers or () if f in by_id)]
        names = {text for source in sources for model in source.models for text in literal_texts(model.match)}
        for name in sorted(names):
            model = provider.find_model(name, all_providers=bundled_providers)
            for day in dates:
                ours = resolve(by_provider[provider.id], provider.id, name, day)
                theirs = _expected(model, day)
                if _as_tuple(ours) != theirs:
                    mismatches.append((provider.id, name, day.isoformat(), _as_tuple(ours), theirs))
    assert not mismatches, mismatches[:20]


def _expected(model: gp.ModelInfo | None, day: date) -> tuple[Decimal | None, ...] | None:
    if model is None:
        return None
    # Noon UTC is outside every off-peak window in the data, i.e. the standard rate we store.
    prices = token_prices(model.get_prices(datetime.combine(day, time(12), tzinfo=UTC)))
    if prices is None:
        return None
    values = (prices.input, prices.cached_input, prices.cache_write, prices.output, prices.reasoning)
    return tuple(None if v is None else quantize_money(v) for v in values)


def _as_tuple(row: dict[str, str] | None) -> tuple[Decimal | None, ...] | None:
    if row is None:
        return None
    return tuple(Decimal(row[c]) if row[c] else None for c in PRICE_COLUMNS)


# --- aliases --------------------------------------------------------------------------------------


def test_aliases_cover_telemetry_dialects(rows: list[dict[str, str]], aliases: dict[str, str]) -> None:
    priced = {row["provider"] for row in rows}
    assert all(alias == alias.lower() for alias in aliases)
    # every alias points at a priced provider, or at the internal one the warehouse prices (self-hosted engines)
    assert set(aliases.values()) <= priced | {SELF_HOSTED_PROVIDER}
    assert {a: p for a, p in aliases.items() if p == SELF_HOSTED_PROVIDER} == SELF_HOSTED_ALIASES
    assert all(aliases[provider] == provider for provider in priced)  # identity rows
    semconv = {
        "openai": "openai",
        "anthropic": "anthropic",
        "aws.bedrock": "aws",
        "azure.ai.openai": "azure",
        "azure.ai.inference": "azure",
        "gcp.gemini": "google",
        "gcp.vertex_ai": "google",
        "gcp.gen_ai": "google",
        "cohere": "cohere",
        "mistral_ai": "mistral",
        "groq": "groq",
        "deepseek": "deepseek",
        "perplexity": "perplexity",
        "x_ai": "x-ai",
    }
    openinference = {
        "google": "google",
        "azure": "azure",
        "aws": "aws",
        "mistralai": "mistral",
        "vertexai": "google",
    }
    openllmetry = {"bedrock": "aws", "vertex ai": "google", "mistral": "mistral"}
    for expected in (semconv, openinference, openllmetry):
        assert {alias: aliases.get(alias) for alias in expected} == expected
    assert set(CURATED_ALIASES) <= set(aliases)


# --- clause translation ---------------------------------------------------------------------------


def test_clause_translation() -> None:
    clause = gp.ClauseOr(
        or_=[
            gp.ClauseEquals(equals="GPT-X"),
            gp.ClauseStartsWith(starts_with="gpt-x-"),
            gp.ClauseContains(contains="gpt-x@"),
            gp.ClauseEndsWith(ends_with="/gpt-x"),
            gp.ClauseRegex(regex=r"^gpt-x-\d{8}$"),
            gp.ClauseAnd(
                and_=[gp.ClauseStartsWith(starts_with="gpt-y"), gp.ClauseRegex(regex=r"^(?!.*-tts)")]
            ),
            gp.ClauseAnd(
                and_=[gp.ClauseStartsWith(starts_with="gpt-z-tts"), gp.ClauseRegex(regex=r"^(?!.*-tts)")]
            ),
        ]
    )
    expansion = expand_clause(clause)
    assert sorted(expansion.rules) == sorted(
        [
            MatchRule("gpt-x", "exact"),
            MatchRule("gpt-x-", "prefix"),
            MatchRule("gpt-x@", "prefix"),
            MatchRule("/gpt-x", "exact"),
            MatchRule("gpt-y", "prefix"),
        ]
    )
    assert expansion.skipped == {"regex": 1, "and": 1}
    assert expansion.approximated == {"contains": 1, "ends_with": 1, "and": 1}


# --- long-context and service tiers (model_price_tiers.csv) ---------------------------------------


def test_committed_tier_seed_equals_fresh_refresh(fresh: Path) -> None:
    assert (SEEDS / "model_price_tiers.csv").read_bytes() == fresh.with_name(
        "model_price_tiers.csv"
    ).read_bytes()


def test_tier_rows_charge_what_genai_prices_charges(fresh: Path) -> None:
    """Every exact tier row of a provider's own models, on its first day, just above its threshold: the
    row's input and output prices are what genai-prices charges for that request context."""
    rows = [
        row
        for row in read_csv(fresh.with_name("model_price_tiers.csv"))
        if row["match_type"] == "exact" and " via " not in row["price_source"]
    ]
    assert {row["service_tier"] for row in rows} >= {"standard", "batch", "flex", "priority"}
    assert any(row["service_tier"] == "standard" and int(row["input_tokens_above"]) > 0 for row in rows)
    context = {"batch": {"processing": "batch"}}
    mismatches = []
    for row in rows:
        tier, above = row["service_tier"], int(row["input_tokens_above"])
        when = datetime.combine(date.fromisoformat(row["effective_from"]), time(0), tzinfo=UTC)
        tokens = above + 1_000
        calc = genai_prices.calc_price(
            genai_prices.Usage(input_tokens=tokens, output_tokens=1_000),
            row["model_match"],
            provider_id=row["provider"],
            genai_request_timestamp=when,
            price_context=None if tier == "standard" else context.get(tier, {"service_tier": tier}),
        )
        ours_input = Decimal(row["input_usd_per_mtok"] or 0) * tokens / 1_000_000
        ours_output = Decimal(row["output_usd_per_mtok"] or 0) * 1_000 / 1_000_000
        if (quantize_money(calc.input_price), quantize_money(calc.output_price)) != (
            quantize_money(ours_input),
            quantize_money(ours_output),
        ):
            mismatches.append((row, calc.input_price, calc.output_price))
    assert not mismatches, mismatches[:5]
