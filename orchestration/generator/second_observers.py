"""What production adds around an LLM call: a second instrumentation tracing the same call, and a
gateway between the app and the provider.

- Provider SDKs emit their own spans (the Anthropic SDK's `com.anthropic.sdk.python`), and official
  OpenTelemetry instrumentations sit beside an app's own (`opentelemetry.instrumentation.openai_v2`):
  a sibling span of the same call, same response id and usage, which the warehouse must count once.
- Behind a gateway (LiteLLM) the provider attribute names the gateway and the request model carries
  a router prefix (`openai/gpt-4o-mini`): the price must follow the model name.

Both are decided from the span id (no draw from the generator's random stream, so every other number
of a seed stays as it was).
"""

from __future__ import annotations

from typing import Any

SDK_SCOPES = {"anthropic": ("com.anthropic.sdk.python", "2.17.0")}
GATEWAY_PROVIDERS = ("openai", "anthropic")
TWIN_EVERY = 3  # one Anthropic call in three is also traced by the SDK's own telemetry
GATEWAY_EVERY = 7  # one call in seven goes through LiteLLM
GATEWAY = "litellm"


def twin_span_id(sid: str) -> str | None:
    """The second observer's span id for the call with span id `sid`, or None when it has none."""
    number = int(sid, 16)
    if number % TWIN_EVERY:
        return None
    return f"{(number ^ 0x5DEECE66D5DEECE6) | 1:016x}"


def through_gateway(sid: str) -> bool:
    return int(sid, 16) % GATEWAY_EVERY == 0


def gateway_attributes(attrs: dict[str, Any], provider: str) -> None:
    """Rewrite GenAI attributes the way a LiteLLM proxy reports the call (in place)."""
    attrs["gen_ai.provider.name"] = GATEWAY
    if "gen_ai.request.model" in attrs:
        attrs["gen_ai.request.model"] = f"{provider}/{attrs['gen_ai.request.model']}"


def twin_attributes(attrs: dict[str, Any], provider: str, model: str) -> dict[str, Any]:
    """The second observer's attributes: the call's GenAI keys as the provider saw it (no gateway),
    the cache writes under the Anthropic SDK's name, no reported cost and none of the app's own
    attributes (tenant, feature: inherited from the trace)."""
    twin = {k: v for k, v in attrs.items() if k.startswith(("gen_ai.", "http.", "error.", "server."))}
    twin["gen_ai.provider.name"], twin["gen_ai.request.model"] = provider, model
    twin.pop("gen_ai.usage.cost", None)
    twin.pop("gen_ai.conversation.id", None)
    written = twin.pop("gen_ai.usage.cache_creation.input_tokens", None)
    if written is not None:
        twin["gen_ai.usage.cache_write.input_tokens"] = written
    return twin
