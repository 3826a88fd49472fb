"""Static reference data: models and list prices, services, features, tools and the text library.

Prices are public list prices in USD per million tokens; they only feed the provider-*reported* cost
on some calls (the warehouse prices the rest itself, so small gateway-style differences are fine).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Model:
    name: str  # request model
    response_name: str  # dated snapshot the provider answers with
    provider: str  # gen_ai.provider.name (current semconv)
    system: str  # gen_ai.system (deprecated semconv) / OpenLLMetry vendor
    oi_provider: str  # OpenInference llm.provider
    oi_system: str  # OpenInference llm.system
    price_in: float | None  # USD / 1M uncached input tokens; None = unpriced custom model
    price_out: float | None
    price_cache_read: float | None
    price_cache_write: float | None
    reasoning: bool = False
    caches_writes: bool = False  # Anthropic-style explicit cache creation


MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model("gpt-4o", "gpt-4o-2024-08-06", "openai", "openai", "openai", "openai", 2.5, 10.0, 1.25, None),
        Model(
            "gpt-4o-mini",
            "gpt-4o-mini-2024-07-18",
            "openai",
            "openai",
            "openai",
            "openai",
            0.15,
            0.6,
            0.075,
            None,
        ),
        Model(
            "o3-mini",
            "o3-mini-2025-01-31",
            "openai",
            "openai",
            "openai",
            "openai",
            1.1,
            4.4,
            0.55,
            None,
            reasoning=True,
        ),
        Model(
            "claude-sonnet-4-20250514",
            "claude-sonnet-4-20250514",
            "anthropic",
            "anthropic",
            "anthropic",
            "anthropic",
            3.0,
            15.0,
            0.3,
            3.75,
            caches_writes=True,
        ),
        Model(
            "claude-3-5-haiku-20241022",
            "claude-3-5-haiku-20241022",
            "anthropic",
            "anthropic",
            "anthropic",
            "anthropic",
            0.8,
            4.0,
            0.08,
            1.0,
            caches_writes=True,
        ),
        Model(
            "gemini-2.0-flash",
            "gemini-2.0-flash-001",
            "gcp.vertex_ai",
            "vertex_ai",
            "google",
            "vertexai",
            0.1,
            0.4,
            0.025,
            None,
        ),
        Model(
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "aws.bedrock",
            "aws.bedrock",
            "aws",
            "anthropic",
            0.8,
            4.0,
            0.08,
            1.0,
            caches_writes=True,
        ),
        Model(
            "amazon.nova-lite-v1:0",
            "amazon.nova-lite-v1:0",
            "aws.bedrock",
            "aws.bedrock",
            "aws",
            "amazon",
            0.06,
            0.24,
            0.015,
            None,
        ),
        # A fine-tune on self-hosted inference: nobody has a price for it (exercises the unpriced path).
        Model("acme-finetune-v3", "acme-finetune-v3", "vllm", "vllm", "vllm", "vllm", None, None, None, None),
    )
}
CUSTOM_MODEL = "acme-finetune-v3"
CUSTOM_MODEL_SHARE = 0.01
EMBEDDING_MODEL = "text-embedding-3-small"

# Where a failing provider falls back to (gen_ai.request.is_fallback=true on the second call).
FALLBACKS = {
    "openai": "claude-3-5-haiku-20241022",
    "anthropic": "gpt-4o-mini",
    "gcp.vertex_ai": "gpt-4o-mini",
    "aws.bedrock": "gpt-4o-mini",
    "vllm": "gpt-4o-mini",
}


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    version: str
    convention: str  # genai | genai_deprecated | openinference | openllmetry | vercel_ai
    features: tuple[str, ...]
    models: tuple[tuple[str, float], ...]  # (model, weight)
    llm_scope: tuple[str, str]  # instrumentation scope of the LLM spans
    emits_metrics: bool


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service(
            "support-bot",
            "2.14.1",
            "genai",
            ("chat",),
            (
                ("gpt-4o-mini", 0.45),
                ("gpt-4o", 0.2),
                ("claude-sonnet-4-20250514", 0.2),
                ("claude-3-5-haiku-20241022", 0.1),
                ("o3-mini", 0.05),
            ),
            ("opentelemetry.instrumentation.openai_v2", "2.1b0"),
            True,
        ),
        Service(
            "search-api",
            "0.9.3",
            "openinference",
            ("search",),
            (("gpt-4o-mini", 0.5), ("gemini-2.0-flash", 0.35), ("gpt-4o", 0.15)),
            ("openinference.instrumentation.openai", "0.1.30"),
            False,
        ),
        Service(
            "web-extractor",  # a Next.js app on the Vercel AI SDK, its own telemetry on
            "5.2.0",
            "vercel_ai",
            ("extract",),
            (("gpt-4o-mini", 0.6), ("gpt-4o", 0.4)),
            ("ai", "5.0.60"),
            False,
        ),
        Service(
            "agent-worker",
            "1.4.0",
            "openllmetry",
            ("agent",),
            (
                ("gpt-4o", 0.35),
                ("claude-sonnet-4-20250514", 0.35),
                ("anthropic.claude-3-5-haiku-20241022-v1:0", 0.2),
                ("o3-mini", 0.1),
            ),
            ("opentelemetry.instrumentation.openai", "0.40.14"),
            True,
        ),
        Service(
            "docs-summarizer",
            "3.2.7",
            "genai_deprecated",
            ("summarize",),
            (
                ("gpt-4o-mini", 0.4),
                ("gemini-2.0-flash", 0.3),
                ("amazon.nova-lite-v1:0", 0.15),
                ("claude-3-5-haiku-20241022", 0.15),
            ),
            ("opentelemetry.instrumentation.openai", "0.48b0"),
            True,
        ),
    )
}
FEATURE_SERVICE = {f: s.name for s in SERVICES.values() for f in s.features}
FEATURES = ("chat", "summarize", "search", "agent", "extract")
FEATURE_WEIGHTS = (0.45, 0.15, 0.2, 0.12, 0.08)
ROUTES = {"chat": "/v1/chat", "summarize": "/v1/summarize", "search": "/v1/search", "extract": "/v1/extract"}
TEAMS = ("support", "growth", "platform", "risk", "docs")

TENANT_NAMES = (
    "acme-corp",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark-industries",
    "wayne-enterprises",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "oscorp",
)

TOOLS = (
    "get_order_status",
    "search_kb",
    "lookup_customer",
    "create_ticket",
    "web_search",
    "run_sql",
    "fetch_url",
    "calculator",
)
AGENTS = ("research-assistant", "refund-agent", "triage-agent")
VECTOR_STORES = ("pgvector", "qdrant")

# Prompt library. Distinctive phrasing on purpose: tests grep the lake for these and must not find them.
PROMPTS: dict[str, tuple[str, ...]] = {
    "chat": (
        "My parcel tracking number stopped updating three days ago, can you check what happened?",
        "How do I rotate the API key for the workspace called blue heron?",
        "Why was my card charged twice for the March invoice?",
        "Can I downgrade from the team plan without losing my saved dashboards?",
        "The export to spreadsheet button greys out whenever I pick more than ten columns.",
        "Please explain the difference between the starter and scale tiers in plain words.",
        "I forgot which email address I used to register, what can I do now?",
        "Is there a way to schedule the weekly digest for Monday mornings instead of Fridays?",
    ),
    "summarize": (
        "Summarize the attached quarterly board memo into five crisp bullet points.",
        "Give me a two paragraph digest of the incident postmortem for the lighthouse outage.",
        "Condense this vendor contract into obligations, deadlines and penalties.",
        "Write a short abstract of the research note about warehouse robot battery wear.",
    ),
    "search": (
        "Find the onboarding checklist for contractors joining the marigold project.",
        "Which policies mention remote work stipends for employees in Lisbon?",
        "Search the knowledge base for the procedure to reset a frozen kiosk terminal.",
        "Where is the runbook describing the failover drill for the amber cluster?",
    ),
    "extract": (
        "Extract the invoice number, supplier name and total amount from this scanned receipt.",
        "Pull every delivery address and postcode out of the pasted shipping manifest.",
        "List the medication names and dosages mentioned in the discharge letter.",
    ),
    "agent": (
        "Investigate why order batch seventeen shipped late and draft an apology to the customer.",
        "Compare our refund rate for the last two quarters and explain the biggest driver.",
        "Triage the new support tickets about login loops and open an incident if needed.",
        "Research three competitors' pricing pages and summarize how they bundle seats.",
    ),
}
CLAUDE_CODE_PROMPTS = (
    "refactor the payment retry loop so it backs off exponentially and add unit tests for it",
    "why does the nightly importer crash on files with a byte order mark, fix it please",
    "add a dark mode toggle to the settings page and persist the choice in local storage",
    "write a migration that splits the customer address column into street, city and postcode",
    "find where we leak the database connection in the report worker and patch it",
)
RESPONSES = (
    "Thanks for reaching out. I checked the details and here is what I found, step by step.",
    "Here is a concise answer based on the documents I could find in your workspace.",
    "I have gone through the material and prepared the summary you asked for below.",
    "The short version: the change is possible, and these are the steps to follow.",
)
REFUSAL = "I'm sorry, but I can't help with that request."
SYSTEM_PROMPT = "You are a helpful assistant for a B2B software company. Answer briefly and cite sources."
