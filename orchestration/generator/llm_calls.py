"""LLM calls: realistic usage numbers, failure/retry/fallback behaviour, and the span + side effects.

Side effects of one call: summary ground truth, GenAI client metrics, GenAI content log events.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from itertools import accumulate

import orjson

from . import vercel_ai
from .catalog import (
    CUSTOM_MODEL,
    CUSTOM_MODEL_SHARE,
    FALLBACKS,
    MODELS,
    REFUSAL,
    RESPONSES,
    SERVICES,
    Service,
)
from .conventions import BUILDERS, LlmCall, RequestContext, reference_cost, span_name
from .metrics import MetricsAggregator
from .otlp import SPAN_KIND_CLIENT, SPAN_KIND_INTERNAL
from .resources import Registry
from .second_observers import (
    GATEWAY_PROVIDERS,
    SDK_SCOPES,
    gateway_attributes,
    through_gateway,
    twin_attributes,
    twin_span_id,
)
from .spans import MS, NS, Trace, exception_event, span_id
from .summary import GenerationSummary

# Median input / output tokens per feature; both long-tailed (lognormal).
INPUT_MEDIAN = {"chat": 900, "summarize": 5200, "search": 2400, "extract": 3000, "agent": 3200}
OUTPUT_MEDIAN = {"chat": 230, "summarize": 380, "search": 170, "extract": 140, "agent": 210}
CACHE_HIT_SHARE = 0.30
REPORTED_COST_SHARE = 0.30

# Failure mix per call attempt (cumulative thresholds).
P_RATE_LIMIT = 0.02  # 429, retried once
P_OUTAGE = 0.035  # provider 5xx/overloaded -> fallback to another provider
P_FATAL = 0.043  # unrecoverable 500 / timeout -> the request fails
P_RETRY_FAILS = 0.15  # share of rate-limit retries that are rate limited again
# "HTTP 200 but failed" outcomes of a final answer (cumulative).
P_LENGTH, P_FILTER, P_REFUSAL = 0.015, 0.022, 0.032

PROVIDER_ERRORS = {
    "openai": ((503, "ServiceUnavailableError", "The server is overloaded or not ready yet."),),
    "anthropic": ((529, "overloaded_error", "Overloaded"),),
    "gcp.vertex_ai": ((503, "ServiceUnavailable", "503 The service is currently unavailable."),),
    "aws.bedrock": ((503, "ServiceUnavailableException", "Bedrock is unable to process your request."),),
    "vllm": ((503, "ServiceUnavailableError", "No healthy upstream."),),
}
RATE_LIMIT = (429, "RateLimitError", "Error code: 429 - Rate limit reached for requests per minute.")
FATAL_ERRORS = (
    (500, "InternalServerError", "Error code: 500 - The server had an error processing your request."),
    (504, "APITimeoutError", "Request timed out."),
)

Failure = tuple[int, str]  # (http status for the root, error.type)


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, int(value)))


class LlmCaller:
    def __init__(
        self,
        rng: random.Random,
        registry: Registry,
        metrics: MetricsAggregator,
        summary: GenerationSummary,
        content: bool,
    ) -> None:
        self.rng = rng
        self.metrics = metrics
        self.summary = summary
        self.content = content
        self.model_cum = {
            name: (tuple(m for m, _ in s.models), list(accumulate(w for _, w in s.models)))
            for name, s in SERVICES.items()
        }
        self.llm_scope = {name: registry.scope(*s.llm_scope) for name, s in SERVICES.items()}
        self.sdk_scope = {provider: registry.scope(*scope) for provider, scope in SDK_SCOPES.items()}
        self.event_scope = registry.scope("opentelemetry.instrumentation.genai.events", "0.2b0")
        self._metric_attrs: dict[str, tuple[tuple, tuple, tuple, tuple]] = {}

    # --- choosing and sizing a call -----------------------------------------------------------------
    def pick_model(self, service: Service) -> str:
        # an agent keeps its model for every step: a custom model there would be most of a day's
        # unpriced spans, far beyond its share of calls
        if self.rng.random() < CUSTOM_MODEL_SHARE and "agent" not in service.features:
            return CUSTOM_MODEL
        names, cum = self.model_cum[service.name]
        return names[bisect(cum, self.rng.random() * cum[-1])]

    def sample(
        self, model_name: str, feature: str, prompt: str, context: str = "", extra_input: int = 0
    ) -> LlmCall:
        rng = self.rng
        model = MODELS[model_name]
        inp = _clamp(rng.lognormvariate(math.log(INPUT_MEDIAN[feature]), 0.9), 40, 180_000) + extra_input
        out = _clamp(rng.lognormvariate(math.log(OUTPUT_MEDIAN[feature]), 0.8), 1, 8000)
        call = LlmCall(
            model=model,
            prompt=prompt,
            context=context,
            response_id=f"resp_{rng.getrandbits(80):020x}",
            temperature=rng.choice((0.0, 0.2, 0.7)),
        )
        if rng.random() < CACHE_HIT_SHARE and inp >= 256:
            read = int(inp * rng.uniform(0.3, 0.92))
            call.cache_read = (
                read - read % 128 if model.provider == "openai" else read
            )  # OpenAI caches in 128s
        if model.caches_writes and rng.random() < 0.15:
            call.cache_write = int((inp - call.cache_read) * rng.uniform(0.3, 0.9))
        if model.reasoning:
            call.reasoning = _clamp(rng.lognormvariate(math.log(700), 0.9), 64, 30_000)
            out += call.reasoning
        call.input_tokens, call.output_tokens = inp, out
        call.max_tokens = 4096 if out > 900 else 1024
        call.streaming = rng.random() < (0.75 if feature in ("chat", "agent") else 0.25)
        call.response = rng.choice(RESPONSES)
        return call

    def _duration_ns(self, call: LlmCall) -> int:
        rng = self.rng
        prefill = 0.15 + call.input_tokens / 40_000 * rng.uniform(0.5, 1.5)
        if call.streaming:
            call.ttft_s = round(prefill + rng.lognormvariate(math.log(0.3), 0.5), 6)
            first = call.ttft_s
        else:
            first = prefill
        return int((first + call.output_tokens / rng.uniform(40, 160)) * NS)

    # --- emitting -----------------------------------------------------------------------------------
    def call(
        self,
        trace: Trace,
        parent: str,
        start_ns: int,
        service: Service,
        ctx: RequestContext,
        call: LlmCall,
        final: bool = True,
    ) -> tuple[int, str | None, Failure | None]:
        """One logical call with retries and fallbacks. Returns (end, span id of the success, failure)."""
        rng = self.rng
        roll = rng.random()
        cursor = start_ns
        if roll < P_RATE_LIMIT:
            cursor = self._failed(trace, parent, cursor, service, ctx, call, RATE_LIMIT)
            backoff = rng.uniform(0.5, 2.5)
            trace.log(
                self.llm_scope[service.name],
                cursor,
                "WARN",
                f"LLM provider rate limited the request (429); retrying in {backoff:.1f}s",
                {"gen_ai.provider.name": call.model.provider, "retry.attempt": 1},
            )
            cursor += int(backoff * NS)
            call.resend_count = 1
            if rng.random() < P_RETRY_FAILS:
                cursor = self._failed(trace, parent, cursor, service, ctx, call, RATE_LIMIT)
                return cursor, None, (429, "RateLimitError")
        elif roll < P_OUTAGE:
            cursor = self._failed(
                trace,
                parent,
                cursor,
                service,
                ctx,
                call,
                rng.choice(PROVIDER_ERRORS[call.model.provider]),
                slow=True,
            )
            fallback = self.sample(FALLBACKS[call.model.provider], ctx.feature, call.prompt, call.context)
            fallback.is_fallback = True
            fallback.finish, fallback.tool_calls = call.finish, call.tool_calls
            call = fallback
        elif roll < P_FATAL:
            status, etype, message = rng.choice(FATAL_ERRORS)
            cursor = self._failed(
                trace,
                parent,
                cursor,
                service,
                ctx,
                call,
                (status, etype, message),
                slow=etype == "APITimeoutError",
            )
            return cursor, None, (500, etype)
        if final and not call.tool_calls:
            self._answer_outcome(call)
        sid = span_id(rng)
        # Keep pathological long tails inside the day (the arrival window leaves 15 minutes of room).
        end = max(cursor + MS, min(cursor + self._duration_ns(call), trace.end_ns - 300 * NS))
        self._emit(trace, parent, sid, cursor, end, service, ctx, call)
        return end, sid, None

    def _answer_outcome(self, call: LlmCall) -> None:
        roll = self.rng.random()
        if roll < P_LENGTH:
            call.finish, call.output_tokens = "length", call.max_tokens + call.reasoning
        elif roll < P_FILTER:
            call.finish, call.output_tokens, call.response = "content_filter", 0, ""
            call.reasoning = 0
        elif roll < P_REFUSAL:
            call.output_tokens, call.response = 11 + call.reasoning, REFUSAL

    def _failed(
        self,
        trace: Trace,
        parent: str,
        start_ns: int,
        service: Service,
        ctx: RequestContext,
        call: LlmCall,
        error: tuple[int, str, str],
        slow: bool = False,
    ) -> int:
        failed = LlmCall(
            model=call.model,
            streaming=call.streaming,
            prompt=call.prompt,
            context=call.context,
            max_tokens=call.max_tokens,
            temperature=call.temperature,
            error=error,
            resend_count=call.resend_count,
            is_fallback=call.is_fallback,
        )
        seconds = (
            self.rng.uniform(5, 30) if slow and error[1] == "APITimeoutError" else self.rng.uniform(0.05, 0.6)
        )
        end = start_ns + int(seconds * NS)
        self._emit(trace, parent, span_id(self.rng), start_ns, end, service, ctx, failed)
        return end + int(self.rng.uniform(1, 20) * MS)

    def _emit(
        self,
        trace: Trace,
        parent: str,
        sid: str,
        start: int,
        end: int,
        service: Service,
        ctx: RequestContext,
        call: LlmCall,
    ) -> None:
        rng, summary, model = self.rng, self.summary, call.model
        if call.ok and rng.random() < REPORTED_COST_SHARE:
            call.cost = reference_cost(call)
            if service.convention == "vercel_ai":  # the AI SDK reports no cost (the draw keeps the stream)
                call.cost = None
        attrs, events = (
            vercel_ai.step if service.convention == "vercel_ai" else BUILDERS[service.convention]
        )(call, ctx, self.content)
        if service.convention == "openinference" and rng.random() < 0.25:
            # Dual-instrumented span (OpenInference + GenAI semconv): same call, counted once.
            dual, _ = BUILDERS["genai"](call, ctx, False)
            dual.pop("gen_ai.usage.cost", None)
            attrs.update(dual)
        if ctx.propagate:
            if ctx.tenant_id:
                attrs["tenant.id"] = ctx.tenant_id
            attrs["app.feature"] = ctx.feature
            attrs.setdefault("user.id", ctx.user_id)
        if service.convention == "genai" and model.provider in GATEWAY_PROVIDERS and through_gateway(sid):
            gateway_attributes(attrs, model.provider)
        if call.resend_count:
            attrs["http.request.resend_count"] = call.resend_count
        if call.is_fallback:
            attrs["gen_ai.request.is_fallback"] = True
        span_events = [(name, start + (end - start) // 2, a) for name, a in events]
        error = None
        if call.error:
            status, etype, message = call.error
            attrs["error.type"] = etype
            attrs["http.response.status_code"] = status
            span_events.append(exception_event(end, etype, message))
            error = message
            summary.llm_error_calls += 1
        else:
            summary.input_tokens += call.input_tokens
            summary.output_tokens += call.output_tokens
            summary.cache_read_tokens += call.cache_read
            summary.cache_write_tokens += call.cache_write
            summary.reasoning_tokens += call.reasoning
            if call.cost is not None:
                summary.add_cost(call.cost)
        if model.price_in is None:
            summary.unpriced_model_calls += 1
        summary.llm_calls += 1
        kind = SPAN_KIND_INTERNAL if service.convention == "openinference" else SPAN_KIND_CLIENT
        name = span_name(service.convention, model)
        if service.convention == "vercel_ai":  # the SDK's outer span wraps the step, which is the call
            outer_name, outer_attrs = vercel_ai.outer(call, ctx)
            outer_id = f"{(int(sid, 16) ^ 0x2545F4914F6CDD1D) | 1:016x}"
            trace.span(self.llm_scope[service.name], outer_id, parent, outer_name, SPAN_KIND_INTERNAL,
                       start - MS, end + MS, outer_attrs, error=error)  # fmt: skip
            parent, name = outer_id, attrs["ai.operationId"]
        trace.span(
            self.llm_scope[service.name],
            sid,
            parent,
            name,
            kind,
            start,
            end,
            attrs,
            error=error,
            events=span_events,
        )
        twin = twin_span_id(sid) if service.convention == "genai" and model.provider in SDK_SCOPES else None
        if twin is not None and SDK_SCOPES[model.provider][0] != service.llm_scope[0]:
            trace.span(self.sdk_scope[model.provider], twin, parent, span_name("genai", model), SPAN_KIND_CLIENT,
                       start, end, twin_attributes(attrs, model.provider, model.name), error=error)  # fmt: skip
        if service.emits_metrics:
            self._metrics(trace, sid, start, end, service, call)
        if self.content and call.ok and service.convention in ("genai", "genai_deprecated"):
            self._content_events(trace, sid, start, end, call)

    def _metrics(self, trace: Trace, sid: str, start: int, end: int, service: Service, call: LlmCall) -> None:
        m = call.model
        key = m.name
        attrs = self._metric_attrs.get(key)
        if attrs is None:
            base = (
                ("gen_ai.operation.name", "chat"),
                ("gen_ai.provider.name", m.provider),
                ("gen_ai.request.model", m.name),
                ("gen_ai.response.model", m.response_name),
            )
            attrs = self._metric_attrs[key] = (
                (*base, ("gen_ai.token.type", "input")),
                (*base, ("gen_ai.token.type", "output")),
                base,
                (*base[:3], ("error.type", "_OTHER")),
            )
        res, scope = trace.resource, self.llm_scope[service.name]
        agg = self.metrics
        self.summary.metric_llm_calls += 1
        if call.ok:
            agg.histogram(end, res, scope, "gen_ai.client.token.usage", attrs[0], call.input_tokens)
            agg.histogram(end, res, scope, "gen_ai.client.token.usage", attrs[1], call.output_tokens)
            agg.histogram(
                end,
                res,
                scope,
                "gen_ai.client.operation.duration",
                attrs[2],
                (end - start) / NS,
                (trace.trace_id, sid),
            )
        else:
            agg.histogram(end, res, scope, "gen_ai.client.operation.duration", attrs[3], (end - start) / NS)
        agg.concurrency(end, res, scope, (), end - start)

    def _content_events(self, trace: Trace, sid: str, start: int, end: int, call: LlmCall) -> None:
        system = {"gen_ai.system": call.model.system}
        trace.log(
            self.event_scope, start, "INFO", {"content": call.prompt}, system, sid, "gen_ai.user.message"
        )
        trace.log(
            self.event_scope,
            end,
            "INFO",
            {
                "index": 0,
                "finish_reason": call.finish,
                "message": {"role": "assistant", "content": call.response},
            },
            system,
            sid,
            "gen_ai.choice",
        )


def tool_arguments(tool: str, n: int) -> str:
    return orjson.dumps({"tool": tool, "query": f"item-{n}", "limit": 10}).decode()


__all__ = ["Failure", "LlmCaller", "tool_arguments"]
