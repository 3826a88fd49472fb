"""One LLM call -> span attributes in each instrumentation convention the landing understands.

Keys are the ones orchestration/lake/attribute_keys.py lists. Token counts follow GenAI semconv in every
convention: input includes cache read + cache write tokens, output includes reasoning tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from .catalog import MODELS, SYSTEM_PROMPT, Model

SERVER_ADDRESS = {
    "openai": "api.openai.com",
    "anthropic": "api.anthropic.com",
    "gcp.vertex_ai": "us-central1-aiplatform.googleapis.com",
    "aws.bedrock": "bedrock-runtime.us-east-1.amazonaws.com",
    "vllm": "llm.internal.acme.io",
}
# OpenLLMetry writes the vendor in display case ("OpenAI"): the landing lowercases provider names.
TRACELOOP_VENDOR = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gcp.vertex_ai": "VertexAI",
    "aws.bedrock": "AWS",
    "vllm": "vLLM",
}


@dataclass(slots=True)
class LlmCall:
    model: Model
    input_tokens: int = 0  # includes cache_read + cache_write
    output_tokens: int = 0  # includes reasoning
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    streaming: bool = False
    ttft_s: float | None = None
    finish: str = "stop"
    max_tokens: int = 1024
    temperature: float = 0.2
    cost: float | None = None  # provider/gateway-reported cost
    error: tuple[int, str, str] | None = None  # (http status, error.type, message)
    resend_count: int = 0
    is_fallback: bool = False
    response_id: str = ""
    prompt: str = ""
    context: str = ""  # retrieved passages stitched into the prompt
    response: str = ""
    tool_calls: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class RequestContext:
    tenant_id: str | None  # None when the tenant sits on the resource (dedicated deployment)
    feature: str
    team: str
    user_id: str
    session_id: str
    propagate: bool  # copy tenant/feature/user onto LLM spans too (most traces keep them on the root only)
    sample_rate: int


def _messages(call: LlmCall) -> list[dict[str, Any]]:
    user = call.prompt if not call.context else f"{call.prompt}\n\nContext:\n{call.context}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _usage_genai(a: dict[str, Any], c: LlmCall) -> None:
    a["gen_ai.usage.input_tokens"] = c.input_tokens
    a["gen_ai.usage.output_tokens"] = c.output_tokens
    if c.cache_read:
        a["gen_ai.usage.cache_read.input_tokens"] = c.cache_read
    if c.cache_write:
        a["gen_ai.usage.cache_creation.input_tokens"] = c.cache_write
    if c.reasoning:
        a["gen_ai.usage.reasoning.output_tokens"] = c.reasoning


def genai(c: LlmCall, ctx: RequestContext, content: bool) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """Current GenAI semconv (gen_ai.provider.name era)."""
    m = c.model
    a: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": m.provider,
        "gen_ai.request.model": m.name,
        "gen_ai.request.max_tokens": c.max_tokens,
        "gen_ai.request.temperature": c.temperature,
        "gen_ai.request.stream": c.streaming,
        "server.address": SERVER_ADDRESS[m.provider],
        "server.port": 443,
        "gen_ai.conversation.id": ctx.session_id,
    }
    if c.ok:
        a["gen_ai.response.model"] = m.response_name
        a["gen_ai.response.id"] = c.response_id
        a["gen_ai.response.finish_reasons"] = [c.finish]
        _usage_genai(a, c)
        if c.ttft_s is not None:
            a["gen_ai.response.time_to_first_chunk"] = c.ttft_s
        if c.cost is not None:
            a["gen_ai.usage.cost"] = c.cost
    if content:
        a["gen_ai.input.messages"] = orjson.dumps(
            [{"role": x["role"], "parts": [{"type": "text", "content": x["content"]}]} for x in _messages(c)]
        ).decode()
        if c.ok:
            a["gen_ai.output.messages"] = orjson.dumps(
                [
                    {
                        "role": "assistant",
                        "finish_reason": c.finish,
                        "parts": [{"type": "text", "content": c.response}],
                    }
                ]
            ).decode()
    return a, []


def genai_deprecated(
    c: LlmCall, ctx: RequestContext, content: bool
) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """GenAI semconv before 1.37 (gen_ai.system, prompt/completion tokens, content as span events)."""
    m = c.model
    a: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": m.system,
        "gen_ai.request.model": m.name,
        "gen_ai.request.max_tokens": c.max_tokens,
        "gen_ai.request.temperature": c.temperature,
        "server.address": SERVER_ADDRESS[m.provider],
    }
    events: list[tuple[str, dict]] = []
    if c.ok:
        a["gen_ai.response.model"] = m.response_name
        a["gen_ai.response.id"] = c.response_id
        a["gen_ai.response.finish_reasons"] = [c.finish]
        a["gen_ai.usage.prompt_tokens"] = c.input_tokens
        a["gen_ai.usage.completion_tokens"] = c.output_tokens
        if c.cache_read:
            a["gen_ai.usage.cache_read_input_tokens"] = c.cache_read
        if c.cache_write:
            a["gen_ai.usage.cache_creation_input_tokens"] = c.cache_write
        if c.reasoning:
            a["gen_ai.usage.reasoning_tokens"] = c.reasoning
        if c.streaming:
            a["gen_ai.request.stream"] = True
            a["gen_ai.server.time_to_first_token"] = c.ttft_s
        if c.cost is not None:
            a["gen_ai.usage.cost"] = c.cost
    if content:
        events.append(("gen_ai.content.prompt", {"gen_ai.prompt": orjson.dumps(_messages(c)).decode()}))
        if c.ok:
            events.append(
                (
                    "gen_ai.content.completion",
                    {
                        "gen_ai.completion": orjson.dumps(
                            [{"role": "assistant", "content": c.response}]
                        ).decode()
                    },
                )
            )
    return a, events


def openinference(
    c: LlmCall, ctx: RequestContext, content: bool
) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """Arize OpenInference: flattened llm.* keys, JSON metadata, content in input/output values."""
    m = c.model
    a: dict[str, Any] = {
        "openinference.span.kind": "LLM",
        "llm.model_name": m.response_name if c.ok else m.name,
        "llm.provider": m.oi_provider,
        "llm.system": m.oi_system,
        "llm.invocation_parameters": orjson.dumps(
            {"temperature": c.temperature, "max_tokens": c.max_tokens, "stream": c.streaming}
        ).decode(),
        "metadata": orjson.dumps(
            {"feature": ctx.feature, "pipeline": "rag-v2", "ab_bucket": "b" if c.streaming else "a"}
        ).decode(),
    }
    if ctx.propagate:
        a["session.id"] = ctx.session_id
        a["user.id"] = ctx.user_id
    if c.ok:
        a["llm.token_count.prompt"] = c.input_tokens
        a["llm.token_count.completion"] = c.output_tokens
        a["llm.token_count.total"] = c.input_tokens + c.output_tokens
        if c.cache_read:
            a["llm.token_count.prompt_details.cache_read"] = c.cache_read
        if c.cache_write:
            a["llm.token_count.prompt_details.cache_write"] = c.cache_write
        if c.reasoning:
            a["llm.token_count.completion_details.reasoning"] = c.reasoning
        a["llm.finish_reason"] = c.finish
        if c.streaming and c.ttft_s is not None:
            a["llm.is_streaming"] = True
            a["llm.time_to_first_token_ms"] = round(c.ttft_s * 1000.0, 3)
        if c.cost is not None:
            a["llm.cost.total"] = c.cost
    if content:
        msgs = _messages(c)
        a["input.value"] = orjson.dumps({"messages": msgs, "model": m.name}).decode()
        a["input.mime_type"] = "application/json"
        for i, msg in enumerate(msgs):
            a[f"llm.input_messages.{i}.message.role"] = msg["role"]
            a[f"llm.input_messages.{i}.message.content"] = msg["content"]
        if c.ok:
            a["output.value"] = c.response
            a["output.mime_type"] = "text/plain"
            a["llm.output_messages.0.message.role"] = "assistant"
            a["llm.output_messages.0.message.content"] = c.response
    return a, []


def openllmetry(
    c: LlmCall, ctx: RequestContext, content: bool
) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """Traceloop OpenLLMetry: gen_ai.* with legacy names plus llm.* and traceloop.* keys."""
    m = c.model
    a: dict[str, Any] = {
        "llm.request.type": "chat",
        "gen_ai.system": TRACELOOP_VENDOR[m.provider],
        "gen_ai.request.model": m.name,
        "gen_ai.request.max_tokens": c.max_tokens,
        "gen_ai.request.temperature": c.temperature,
        "llm.is_streaming": c.streaming,
        "traceloop.workflow.name": ctx.feature,
    }
    if ctx.propagate:
        a["traceloop.association.properties.session_id"] = ctx.session_id
        a["traceloop.association.properties.user_id"] = ctx.user_id
    if c.ok:
        a["gen_ai.response.model"] = m.response_name
        a["gen_ai.response.id"] = c.response_id
        a["llm.response.finish_reason"] = c.finish
        a["gen_ai.usage.prompt_tokens"] = c.input_tokens
        a["gen_ai.usage.completion_tokens"] = c.output_tokens
        a["llm.usage.total_tokens"] = c.input_tokens + c.output_tokens
        if c.cache_read:
            a["gen_ai.usage.cache_read_input_tokens"] = c.cache_read
        if c.cache_write:
            a["gen_ai.usage.cache_creation_input_tokens"] = c.cache_write
        if c.reasoning:
            a["gen_ai.usage.reasoning_tokens"] = c.reasoning
        if c.ttft_s is not None:
            a["gen_ai.server.time_to_first_token"] = c.ttft_s
        if c.cost is not None:
            a["gen_ai.usage.cost"] = c.cost
    if content:
        for i, msg in enumerate(_messages(c)):
            a[f"gen_ai.prompt.{i}.role"] = msg["role"]
            a[f"gen_ai.prompt.{i}.content"] = msg["content"]
        if c.ok:
            a["gen_ai.completion.0.role"] = "assistant"
            a["gen_ai.completion.0.content"] = c.response
            a["gen_ai.completion.0.finish_reason"] = c.finish
    return a, []


BUILDERS = {
    "genai": genai,
    "genai_deprecated": genai_deprecated,
    "openinference": openinference,
    "openllmetry": openllmetry,
}


# Span names each instrumentation uses for a chat call.
def span_name(convention: str, model: Model) -> str:
    if convention == "openinference":
        return "GenerateContent" if model.oi_provider == "google" else "ChatCompletion"
    if convention == "openllmetry":
        return f"{TRACELOOP_VENDOR[model.provider].lower()}.chat"
    return f"chat {model.name}"


def reference_cost(c: LlmCall) -> float | None:
    """List-price cost of a call, rounded like a gateway reports it; None for unpriced models."""
    m = c.model
    if m.price_in is None or m.price_out is None:
        return None
    uncached = c.input_tokens - c.cache_read - c.cache_write
    total = (
        uncached * m.price_in
        + c.output_tokens * m.price_out
        + c.cache_read * (m.price_cache_read if m.price_cache_read is not None else m.price_in)
        + c.cache_write * (m.price_cache_write if m.price_cache_write is not None else m.price_in)
    ) / 1e6
    return round(total, 8)


__all__ = ["BUILDERS", "MODELS", "LlmCall", "RequestContext", "reference_cost", "span_name"]
