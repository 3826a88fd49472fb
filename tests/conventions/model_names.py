"""Model and provider names as real telemetry carries them, and the price each must find.

Each case becomes one LLM span (1,000 input and 100 output tokens) of its own tenant, `names-<n>`.
The expected price is genai-prices' own (`calc_price`) for the model the name stands for, so the test
does not restate the warehouse's matching rules. Sources of the spellings: the providers' API and
console docs (Bedrock model ids, inference profiles and ARNs; Vertex AI resource names; Azure OpenAI
deployments), LiteLLM / OpenRouter router prefixes, the Vercel AI SDK's provider ids.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class NameCase:
    provider: str | None  # gen_ai.provider.name as the telemetry says it
    request_model: str | None
    response_model: str | None
    kind: str | None  # expected price_match_kind; None = must stay unpriced
    priced_as: tuple[str, str] | None  # (genai-prices provider id, model) the price must be
    estimated: bool = False


CASES = (
    NameCase("openai", "gpt-4o", "gpt-4o-2024-08-06", "exact", ("openai", "gpt-4o-2024-08-06")),
    # a snapshot the price table does not know yet: the request model's price, marked estimated
    NameCase(
        "openai", "gpt-4o-mini", "gpt-4o-mini-2031-01-01", "request_model", ("openai", "gpt-4o-mini"), True
    ),
    NameCase("openai.chat", "gpt-4o-mini", None, "request_model", ("openai", "gpt-4o-mini")),  # Vercel AI SDK
    NameCase(
        "anthropic.messages",
        "claude-3-5-haiku-20241022",
        None,
        "request_model",
        ("anthropic", "claude-3-5-haiku-20241022"),
    ),
    # behind gateways: the model name decides whose price applies
    NameCase("litellm", "openai/gpt-4o-mini", None, "alias", ("openai", "gpt-4o-mini")),
    NameCase(
        "portkey",
        "claude-3-5-haiku-20241022",
        None,
        "request_model",
        ("anthropic", "claude-3-5-haiku-20241022"),
    ),
    NameCase(
        "openrouter",
        "anthropic/claude-3.5-sonnet",
        None,
        "request_model",
        ("openrouter", "anthropic/claude-3.5-sonnet"),
    ),
    # Bedrock: regional inference profiles and ARNs around the model id
    # the price table knows regional profiles by name; behind LiteLLM the router prefix names Bedrock
    NameCase(
        "aws.bedrock",
        "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        None,
        "request_model",
        ("aws", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ),
    NameCase(
        "litellm",
        "bedrock/eu.anthropic.claude-3-5-sonnet-20241022-v2:0",
        None,
        "alias",
        ("aws", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ),
    NameCase(
        "aws.bedrock",
        None,
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "alias",
        ("aws", "anthropic.claude-3-7-sonnet-20250219-v1:0"),
    ),
    # Vertex AI resource names
    NameCase(
        "gcp.vertex_ai",
        "projects/acme/locations/us-central1/publishers/google/models/gemini-2.0-flash-001",
        None,
        "alias",
        ("google", "gemini-2.0-flash-001"),
    ),
    # an Azure OpenAI deployment name, mapped by the model_aliases seed
    NameCase("azure.ai.openai", "support-gpt-4o-prod", None, "alias", ("azure", "gpt-4o")),
    # a dated snapshot of a family the table prices only by its exact name
    NameCase("openai", None, "o3-mini-2099-01-31", "family", ("openai", "o3-mini"), True),
    # nothing sound matches: unpriced, not guessed
    NameCase("openai", None, "ft:my-org:custom-support-bot", None, None),
)
TOKENS = {"input": 1000, "output": 100}


def otlp_lines(start_ns: int | None = None) -> str:
    """One OTLP/JSON request per case, as JSON lines."""
    start_ns = start_ns or time.time_ns() - 3_600_000_000_000
    lines = []
    for n, case in enumerate(CASES):
        attributes = {"tenant.id": f"names-{n}", "gen_ai.operation.name": "chat",
                      "gen_ai.usage.input_tokens": TOKENS["input"], "gen_ai.usage.output_tokens": TOKENS["output"]}  # fmt: skip
        for key, value in (
            ("gen_ai.provider.name", case.provider),
            ("gen_ai.request.model", case.request_model),
            ("gen_ai.response.model", case.response_model),
        ):
            if value is not None:
                attributes[key] = value
        span = {
            "traceId": f"{n + 1:032x}",
            "spanId": f"{n + 1:016x}",
            "name": "chat",
            "kind": 3,
            "startTimeUnixNano": str(start_ns + n * 1_000_000),
            "endTimeUnixNano": str(start_ns + n * 1_000_000 + 500_000),
            "attributes": [{"key": k, "value": _value(v)} for k, v in attributes.items()],
        }
        request = {
            "resourceSpans": [
                {
                    "resource": {"attributes": []},
                    "scopeSpans": [{"scope": {"name": "names"}, "spans": [span]}],
                }
            ]
        }
        lines.append(json.dumps(request))
    return "\n".join(lines) + "\n"


def _value(value: str | int) -> dict:
    return {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value}
