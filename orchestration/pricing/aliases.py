"""Map the provider names that instrumentation libraries emit to genai-prices provider ids.

Telemetry names the provider in several dialects, and the price table is keyed by genai-prices ids.
The warehouse lower-cases the telemetry value and joins it to `provider_aliases.provider_alias`, so
every alias here is lower-case. Identity rows for each priced provider are added at refresh time so
that data already using genai-prices ids (e.g. from Pydantic Logfire) needs no special case.

Self-hosted inference engines (vLLM, TGI, SGLang, Ollama) map to the internal provider
`self_hosted`, whose daily prices the warehouse computes from the engines' GPU cost
(int_self_hosted_prices_daily, docs/metrics.md). Deliberately absent: IBM watsonx (`ibm.watsonx.ai`,
`watsonx`) has no prices in genai-prices; its calls stay unpriced unless a user adds override rows.
"""

from __future__ import annotations

from collections.abc import Iterable

CURATED_ALIASES: dict[str, str] = {
    # --- OpenTelemetry GenAI semconv: gen_ai.provider.name (and the older gen_ai.system) -----------
    "openai": "openai",
    "anthropic": "anthropic",
    "aws.bedrock": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",  # Azure AI Foundry; genai-prices' azure falls back to OpenAI, DeepSeek, xAI...
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "cohere": "cohere",
    "mistral_ai": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "perplexity": "perplexity",
    "x_ai": "x-ai",
    # Values from earlier semconv drafts still emitted by older instrumentations.
    "az.ai.inference": "azure",
    "az.ai.openai": "azure",
    "azure_openai": "azure",
    "vertex_ai": "google",
    # --- OpenInference: llm.provider / llm.system ------------------------------------------------
    "google": "google",
    "azure": "azure",
    "aws": "aws",
    "mistralai": "mistral",
    "vertexai": "google",
    "xai": "x-ai",
    # --- OpenLLMetry (Traceloop): gen_ai.system, capitalised in the source; lower-cased here ------
    "bedrock": "aws",
    "aws bedrock": "aws",
    "vertex ai": "google",
    "gemini": "google",
    "google_genai": "google",
    "mistral": "mistral",
    "togetherai": "together",
    "together_ai": "together",
    "fireworks_ai": "fireworks",
    # --- Vercel AI SDK: `ai.model.provider` / `gen_ai.system` ("openai.chat", "anthropic.messages")
    # name the provider before the dot; the warehouse tries that part when the whole is no alias. The
    # common ids are listed whole too, so that data checks know them.
    "amazon-bedrock": "aws",
    "openai.chat": "openai",
    "openai.responses": "openai",
    "openai.completion": "openai",
    "openai.embedding": "openai",
    "anthropic.messages": "anthropic",
    "google.generative-ai": "google",
    "google.vertex.chat": "google",
    "mistral.chat": "mistral",
    "xai.chat": "x-ai",
    "groq.chat": "groq",
    "deepseek.chat": "deepseek",
    "cohere.chat": "cohere",
    "azure-openai": "azure",
    "google-vertex-anthropic": "google",
    "vertex": "google",
    # --- Pydantic AI / Logfire provider names ------------------------------------------------------
    "google-gla": "google",
    "google-vertex": "google",
    "grok": "x-ai",
}

SELF_HOSTED_PROVIDER = "self_hosted"  # dbt var self_hosted_provider: the same id
# Engines an app names as its provider when it calls a model it serves itself: priced by the warehouse
# from the engine's GPU cost, so they are kept whatever genai-prices lists.
SELF_HOSTED_ALIASES: dict[str, str] = dict.fromkeys(
    (
        "vllm",
        "tgi",
        "text-generation-inference",
        "huggingface_tgi",
        "sglang",
        "ollama",
        "self_hosted",
        "self-hosted",
    ),
    SELF_HOSTED_PROVIDER,
)


def alias_rows(priced_providers: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Alias rows (sorted) plus curated aliases dropped because their target has no prices.

    Dropping instead of failing keeps a refresh working if genai-prices renames or removes a
    provider; the refresh summary reports the dropped aliases so someone can repoint them.
    """
    priced = set(priced_providers)
    mapping = {provider: provider for provider in priced}
    dropped: list[str] = []
    for alias, target in CURATED_ALIASES.items():
        if target not in priced:
            dropped.append(alias)
            continue
        # A curated alias may not re-point a real provider id to another provider: both spellings
        # would then be ambiguous in the warehouse.
        if alias in priced and alias != target:
            raise ValueError(f"alias {alias!r} is itself a priced provider id but maps to {target!r}")
        mapping[alias] = target
    mapping.update(SELF_HOSTED_ALIASES)
    return sorted(mapping.items()), sorted(dropped)
