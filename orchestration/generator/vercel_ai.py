"""The Vercel AI SDK's own telemetry (`experimental_telemetry: { isEnabled: true }`, tracer "ai").

`generateText` / `streamText` make an outer span (`ai.generateText`) that sums the usage of its steps
and, per step, a `.doGenerate` / `.doStream` span that is the provider call, with `gen_ai.*` beside the
SDK's own `ai.*` keys. The provider is named `openai.chat`, `anthropic.messages`, ...; the app's own
fields ride in `ai.telemetry.functionId` and `ai.telemetry.metadata.*`.
"""

from __future__ import annotations

from typing import Any

import orjson

from .conventions import LlmCall, RequestContext, _messages

PROVIDER_IDS = {
    "openai": "openai.chat",
    "anthropic": "anthropic.messages",
    "gcp.vertex_ai": "google.vertex.chat",
    "aws.bedrock": "amazon-bedrock",
}


def provider_id(provider: str) -> str:
    """The AI SDK's provider id; a self-hosted engine goes through its OpenAI-compatible provider."""
    return PROVIDER_IDS.get(provider, f"{provider}.chat")


def _usage(c: LlmCall) -> dict[str, Any]:
    usage = {"ai.usage.inputTokens": c.input_tokens, "ai.usage.outputTokens": c.output_tokens,
             "ai.usage.totalTokens": c.input_tokens + c.output_tokens}  # fmt: skip
    if c.cache_read:
        usage["ai.usage.cachedInputTokens"] = c.cache_read
    if c.reasoning:
        usage["ai.usage.reasoningTokens"] = c.reasoning
    return usage


def _common(c: LlmCall, ctx: RequestContext, operation: str) -> dict[str, Any]:
    a: dict[str, Any] = {
        "operation.name": f"{operation} {ctx.feature}",
        "ai.operationId": operation,
        "ai.model.provider": provider_id(c.model.provider),
        "ai.model.id": c.model.name,
        "ai.telemetry.functionId": ctx.feature,
        "ai.settings.maxOutputTokens": c.max_tokens,
    }
    if ctx.propagate and ctx.tenant_id:
        a["ai.telemetry.metadata.tenantId"] = ctx.tenant_id
        a["ai.telemetry.metadata.userId"] = ctx.user_id
    return a


def step(c: LlmCall, ctx: RequestContext, content: bool) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """The provider call: `ai.generateText.doGenerate` (or `ai.streamText.doStream`)."""
    operation = "ai.streamText.doStream" if c.streaming else "ai.generateText.doGenerate"
    a = _common(c, ctx, operation)
    a.update({"gen_ai.system": provider_id(c.model.provider), "gen_ai.request.model": c.model.name,
              "gen_ai.request.max_tokens": c.max_tokens})  # fmt: skip
    if c.ok:
        a.update(_usage(c))
        a.update({"gen_ai.response.model": c.model.response_name, "gen_ai.response.id": c.response_id,
                  "gen_ai.response.finish_reasons": [c.finish], "ai.response.id": c.response_id,
                  "ai.response.model": c.model.response_name, "ai.response.finishReason": c.finish,
                  "gen_ai.usage.input_tokens": c.input_tokens, "gen_ai.usage.output_tokens": c.output_tokens})  # fmt: skip
        if c.ttft_s is not None:
            a["ai.response.msToFirstChunk"] = round(c.ttft_s * 1000, 1)
    if content:
        a["ai.prompt.messages"] = orjson.dumps(
            [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in _messages(c)]
        ).decode()
        if c.ok:
            a["ai.response.text"] = c.response
    return a, []


def outer(c: LlmCall, ctx: RequestContext) -> tuple[str, dict[str, Any]]:
    """(span name, attributes) of the outer `ai.generateText` / `ai.streamText` span: the steps' usage
    summed again, which a warehouse must not count a second time."""
    operation = "ai.streamText" if c.streaming else "ai.generateText"
    a = _common(c, ctx, operation)
    if c.ok:
        a.update(_usage(c))
        a["ai.response.finishReason"] = c.finish
    return operation, a
