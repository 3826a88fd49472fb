"""One request of the LLM application -> one trace: the span tree per feature, timings, outcome.

Shapes: HTTP features (chat, search, extract) = retrieval -> prompt build -> LLM (-> tools -> LLM)
-> delivery; summarize = map/reduce LLM calls under a batch span (some with links); agent = an
`invoke_agent` root looping LLM -> tool calls. Tenant/feature/user sit on the root (the landing fills
them down) and, for a minority of traces, on the LLM spans too.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import orjson

from . import quality_scenarios
from .catalog import (
    AGENTS,
    EMBEDDING_MODEL,
    FEATURE_SERVICE,
    PROMPTS,
    ROUTES,
    SERVICES,
    SYSTEM_PROMPT,
    TOOLS,
    VECTOR_STORES,
    Service,
)
from .conventions import RequestContext
from .events import EventWriter
from .llm_calls import Failure, LlmCaller, tool_arguments
from .metrics import MetricsAggregator
from .otlp import SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER
from .resources import HTTP_SCOPE, Registry
from .spans import MS, NS, Trace, exception_event, randint, span_id, trace_id
from .summary import GenerationSummary
from .tenants import Tenant, TenantPicker

STAGING_SHARE = 0.03
PROPAGATE_SHARE = 0.15  # traces whose LLM spans repeat tenant/feature/user
SESSION_NS = 1800 * NS  # a user's requests within 30 minutes form one conversation
TOOL_ERROR_SHARE = 0.04
STUCK_AGENT_SHARE = 0.12  # agent loops calling the same tool with the same arguments again and again


class RequestBuilder:
    def __init__(
        self,
        rng: random.Random,
        picker: TenantPicker,
        registry: Registry,
        metrics: MetricsAggregator,
        summary: GenerationSummary,
        content: bool,
    ) -> None:
        self.rng = rng
        self.picker = picker
        self.registry = registry
        self.metrics = metrics
        self.summary = summary
        self.content = content
        self.llm = LlmCaller(rng, registry, metrics, summary, content)
        self.events = EventWriter(rng, registry, content)
        self.http_scope = registry.scope(*HTTP_SCOPE)
        self.app_scope = {n: registry.scope(n.replace("-", "_"), s.version) for n, s in SERVICES.items()}
        self.log_scope = {
            n: registry.scope(f"{n.replace('-', '_')}.api", s.version) for n, s in SERVICES.items()
        }
        self.recent_roots: deque[tuple[str, str]] = deque(maxlen=64)  # link targets for batch spans

    def build(self, start_ns: int, day_end_ns: int) -> Trace:
        """One request's trace; for a sampled tenant it may be dropped (`kept` false) after feeding the metrics."""
        tenant = self.picker.pick(self.rng)
        if tenant.sampling == "none":
            return self._build(tenant, start_ns, day_end_ns)
        truth, trace_truth = self.summary, GenerationSummary()
        self._record_into(trace_truth)  # the ground truth counts only what is written
        try:
            trace = self._build(tenant, start_ns, day_end_ns)
        finally:
            self._record_into(truth)
        truth.absorb_sampled(trace_truth, trace.kept, tenant.sample_rate)
        return trace

    def _record_into(self, summary: GenerationSummary) -> None:
        self.summary = self.llm.summary = summary

    def _build(self, tenant: Tenant, start_ns: int, day_end_ns: int) -> Trace:
        rng = self.rng
        feature = tenant.pick_feature(rng)
        service = SERVICES[FEATURE_SERVICE[feature]]
        environment = "staging" if rng.random() < STAGING_SHARE else "production"
        dedicated = tenant.dedicated and environment == "production"
        resource = self.registry.service(service.name, environment, tenant.id if dedicated else None)
        user_k = tenant.pick_user(rng)
        ctx = RequestContext(
            tenant_id=None if dedicated else tenant.id,
            feature=feature,
            team=rng.choice(tenant.teams),
            user_id=tenant.user_id(user_k),
            session_id=f"conv-{tenant.index:x}-{user_k:x}-{start_ns // SESSION_NS:x}",
            propagate=rng.random() < PROPAGATE_SHARE,
            sample_rate=tenant.sample_rate,
        )
        prompt = rng.choice(PROMPTS[feature])
        summary = self.summary
        summary.tenants.add(tenant.id)
        summary.user_ids.add(ctx.user_id)
        if self.content:
            summary.prompt_texts.add(prompt)
            summary.prompt_texts.add(SYSTEM_PROMPT)
        summary.requests += 1

        trace = Trace(trace_id(rng), resource, tenant.sample_rate, day_end_ns, tenant.sampling)
        root = span_id(rng)
        if feature == "agent":
            end, status, error_type, answer = self._agent(trace, root, start_ns, service, ctx, prompt)
        else:
            end, status, error_type, answer = self._http(trace, root, start_ns, service, ctx, prompt)
        if trace.kept:
            self.recent_roots.append((trace.trace_id, root))
        self.events.after_request(trace, end, answer, root, tenant.id, feature, ctx.user_id)

        # Request-level metrics: latency (exponential histogram + summary), throughput, concurrency.
        seconds = (end - start_ns) / NS
        status_attrs = (
            ("http.request.method", "POST"),
            ("http.route", ROUTES.get(feature, "/v1/agent")),
            ("http.response.status_code", status),
        )
        self.metrics.exp_histogram(
            end, resource, self.http_scope, "http.server.request.duration", status_attrs, seconds
        )
        self.metrics.summary(
            end,
            resource,
            self.app_scope[service.name],
            "app.request.latency",
            (("app.feature", feature),),
            seconds * 1000.0,
        )
        self.metrics.counter(
            end,
            resource,
            self.app_scope[service.name],
            "app.requests",
            (("app.feature", feature), ("error.type", error_type))
            if error_type
            else (("app.feature", feature),),
            1,
            is_int=True,
        )
        return trace

    # --- root attributes ----------------------------------------------------------------------------
    def _subject(self, ctx: RequestContext) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        if ctx.tenant_id:
            attrs["tenant.id"] = ctx.tenant_id
        attrs["app.feature"] = ctx.feature
        attrs["app.team"] = ctx.team
        attrs["user.id"] = ctx.user_id
        attrs["session.id"] = ctx.session_id
        return attrs

    # --- HTTP features --------------------------------------------------------------------------------
    def _http(
        self, trace: Trace, root: str, start: int, service: Service, ctx: RequestContext, prompt: str
    ) -> tuple[int, int, str | None, str | None]:
        rng = self.rng
        cursor = start + randint(rng, 1, 6) * MS
        context = ""
        feature = ctx.feature
        if (
            feature == "search"
            or (feature == "chat" and rng.random() < 0.5)
            or (feature == "extract" and rng.random() < 0.3)
        ):
            cursor, context = self._retrieval(trace, root, cursor, service, ctx, prompt)
        cursor, prompt_attrs = self._prompt_build(trace, root, cursor, service, ctx)

        failure: Failure | None = None
        answer: str | None = None
        streaming = False
        if feature == "summarize":
            cursor, answer, failure = self._map_reduce(trace, root, cursor, service, ctx, prompt)
        else:
            call = self.llm.sample(self.llm.pick_model(service), feature, prompt, context)
            quality_scenarios.shape_call(rng, call, prompt_attrs)
            wants_tool = feature == "chat" and rng.random() < 0.25
            if wants_tool:
                call.finish, call.tool_calls = "tool_calls", [rng.choice(TOOLS)]
            cursor, answer, failure = self.llm.call(
                trace, root, cursor, service, ctx, call, final=not wants_tool
            )
            streaming = call.streaming
            if wants_tool and not failure:
                cursor = self._tool(trace, root, cursor, service, call.tool_calls[0], randint(rng, 1, 999))
                follow = self.llm.sample(
                    call.model.name, feature, prompt, context, extra_input=call.output_tokens + 300
                )
                cursor, answer, failure = self.llm.call(trace, root, cursor, service, ctx, follow)
        if not failure:
            cursor = self._delivery(trace, root, cursor, service, streaming)

        end = cursor + randint(rng, 1, 4) * MS
        status, error_type = failure if failure else (200, None)
        route = ROUTES[feature]
        attrs: dict[str, Any] = {
            "http.request.method": "POST",
            "http.route": route,
            "url.path": route,
            "url.scheme": "https",
            "server.address": f"{service.name}.assist.example.com",
            "network.protocol.version": "1.1",
            "user_agent.original": "assist-web/5.2.0",
            **self._subject(ctx),
            "http.response.status_code": status,
        }
        events = None
        if error_type:
            attrs["error.type"] = error_type
            events = [exception_event(end, error_type, f"LLM call failed with {error_type}")]
        trace.span(
            self.http_scope,
            root,
            None,
            f"POST {route}",
            SPAN_KIND_SERVER,
            start,
            end,
            attrs,
            error=f"HTTP {status}" if failure else None,
            events=events,
        )
        trace.spans.insert(0, trace.spans.pop())  # root first, like a reader would expect
        self.events.request_log(
            trace,
            self.log_scope[service.name],
            end,
            root,
            "POST",
            route,
            status,
            (end - start) / MS,
            error_type,
        )
        return end, status, error_type, (answer if not failure else None)

    def _retrieval(
        self, trace: Trace, parent: str, cursor: int, service: Service, ctx: RequestContext, prompt: str
    ) -> tuple[int, str]:
        rng = self.rng
        scope = self.app_scope[service.name]
        query_tokens = randint(rng, 8, 64)
        embed_end = cursor + int(rng.uniform(40, 250) * MS)
        top_k = rng.choice((4, 8, 12))
        docs = quality_scenarios.retrieved_documents(rng, top_k)
        context = "\n".join(f"[{doc}] passage {i} about the topic" for i, (doc, _) in enumerate(docs))
        self.summary.embedding_calls += 1
        self.summary.embedding_input_tokens += query_tokens
        if service.convention == "openinference":
            embed = {
                "openinference.span.kind": "EMBEDDING",
                "embedding.model_name": EMBEDDING_MODEL,
                "llm.token_count.prompt": query_tokens,
            }
            if self.content:
                embed["embedding.embeddings.0.embedding.text"] = prompt
            trace.span(
                scope, span_id(rng), parent, "CreateEmbeddings", SPAN_KIND_INTERNAL, cursor, embed_end, embed
            )
            end = embed_end + int(rng.uniform(5, 120) * MS)
            attrs: dict[str, Any] = {"openinference.span.kind": "RETRIEVER"}
            if self.content:
                attrs["input.value"] = prompt
            for i, (doc, score) in enumerate(docs[:5]):  # instrumentations cap what they record
                attrs[f"retrieval.documents.{i}.document.id"] = doc
                attrs[f"retrieval.documents.{i}.document.score"] = score
                if self.content:
                    attrs[f"retrieval.documents.{i}.document.content"] = f"passage {i} about the topic"
            trace.span(scope, span_id(rng), parent, "retrieve", SPAN_KIND_INTERNAL, embed_end, end, attrs)
        else:
            embed = {
                "gen_ai.operation.name": "embeddings",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": EMBEDDING_MODEL,
                "gen_ai.usage.input_tokens": query_tokens,
                "gen_ai.embeddings.dimension.count": 1536,
            }
            trace.span(
                scope,
                span_id(rng),
                parent,
                f"embeddings {EMBEDDING_MODEL}",
                SPAN_KIND_CLIENT,
                cursor,
                embed_end,
                embed,
            )
            end = embed_end + int(rng.uniform(5, 120) * MS)
            store = VECTOR_STORES[len(service.name) % 2]
            trace.span(
                scope,
                span_id(rng),
                parent,
                "vector_search kb_chunks",
                SPAN_KIND_CLIENT,
                embed_end,
                end,
                {
                    "gen_ai.operation.name": "retrieval",
                    "gen_ai.data_source.id": "kb-main",
                    "db.system.name": store,
                    "db.collection.name": "kb_chunks",
                    "db.operation.name": "search",
                    "app.retrieval.top_k": top_k,
                    "app.retrieval.returned": len(docs),
                },
            )
        return end + randint(rng, 1, 5) * MS, context

    def _prompt_build(
        self, trace: Trace, parent: str, cursor: int, service: Service, ctx: RequestContext
    ) -> tuple[int, dict[str, Any]]:
        rng = self.rng
        end = cursor + int(rng.uniform(0.5, 8) * MS)
        prompt = quality_scenarios.prompt_attributes(rng, ctx.feature)
        trace.span(
            self.app_scope[service.name],
            span_id(rng),
            parent,
            "build_prompt",
            SPAN_KIND_INTERNAL,
            cursor,
            end,
            {**prompt, "app.prompt.template_chars": randint(rng, 800, 4000)},
        )
        return end + randint(rng, 0, 2) * MS, prompt

    def _tool(
        self,
        trace: Trace,
        parent: str,
        cursor: int,
        service: Service,
        tool: str,
        arg: int,
        scope: str | None = None,
    ) -> int:
        rng = self.rng
        end = cursor + int(rng.lognormvariate(-2.0, 0.9) * NS) + MS
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool,
            "gen_ai.tool.call.id": f"call_{rng.getrandbits(96):024x}",
            "gen_ai.tool.type": "function",
        }
        if service.convention == "openllmetry":
            attrs["traceloop.span.kind"] = "tool"
            attrs["traceloop.entity.name"] = tool
        if self.content:
            attrs["gen_ai.tool.call.arguments"] = tool_arguments(tool, arg)
        error = None
        events = None
        if rng.random() < TOOL_ERROR_SHARE:
            attrs["error.type"] = "TimeoutError"
            error = f"{tool} timed out"
            events = [exception_event(end, "TimeoutError", error)]
        elif self.content:
            attrs["gen_ai.tool.call.result"] = orjson.dumps({"status": "ok", "items": arg % 7}).decode()
        trace.span(
            scope or self.app_scope[service.name],
            span_id(rng),
            parent,
            f"execute_tool {tool}",
            SPAN_KIND_INTERNAL,
            cursor,
            end,
            attrs,
            error=error,
            events=events,
        )
        return end + randint(rng, 1, 5) * MS

    def _delivery(self, trace: Trace, parent: str, cursor: int, service: Service, streaming: bool) -> int:
        rng = self.rng
        end = cursor + int(rng.uniform(0.3, 25) * MS)
        trace.span(
            self.app_scope[service.name],
            span_id(rng),
            parent,
            "stream response" if streaming else "render response",
            SPAN_KIND_INTERNAL,
            cursor,
            end,
            {
                "app.delivery.channel": "sse" if streaming else "json",
                "app.response.bytes": randint(rng, 300, 9000),
            },
        )
        return end

    def _map_reduce(
        self, trace: Trace, root: str, cursor: int, service: Service, ctx: RequestContext, prompt: str
    ) -> tuple[int, str | None, Failure | None]:
        """Summaries of long documents: chunk summaries in parallel under a batch span, then a reduce call."""
        rng = self.rng
        scope = self.app_scope[service.name]
        chunks = randint(rng, 1, 4)
        split_end = cursor + int(rng.uniform(2, 40) * MS)
        trace.span(
            scope,
            span_id(rng),
            root,
            "split_document",
            SPAN_KIND_INTERNAL,
            cursor,
            split_end,
            {"app.document.chunks": chunks, "app.document.bytes": randint(rng, 5_000, 400_000)},
        )
        batch = span_id(rng)
        batch_start = split_end + MS
        ends = []
        failure: Failure | None = None
        for i in range(chunks):  # parallel: all start together, the batch ends with the slowest
            call = self.llm.sample(self.llm.pick_model(service), "summarize", prompt)
            end, _, failed = self.llm.call(
                trace, batch, batch_start + i * randint(rng, 0, 3) * MS, service, ctx, call, final=False
            )
            ends.append(end)
            failure = failure or failed
        batch_end = max(ends) + randint(rng, 1, 3) * MS
        links = None
        if self.recent_roots and rng.random() < 0.25:
            # Documents produced by earlier requests, summarized in this batch.
            picks = rng.sample(list(self.recent_roots), k=min(len(self.recent_roots), randint(rng, 1, 3)))
            links = [(t, s, {"link.reason": "batched_document"}) for t, s in picks]
        trace.span(
            scope,
            batch,
            root,
            "summarize.batch",
            SPAN_KIND_INTERNAL,
            batch_start,
            batch_end,
            {"app.batch.size": chunks},
            error="chunk summary failed" if failure else None,
            links=links,
        )
        if failure:
            return batch_end, None, failure
        call = self.llm.sample(self.llm.pick_model(service), "summarize", prompt, extra_input=chunks * 300)
        end, answer, failure = self.llm.call(trace, root, batch_end + MS, service, ctx, call)
        return end, answer, failure

    # --- agents ---------------------------------------------------------------------------------------
    def _agent(
        self, trace: Trace, root: str, start: int, service: Service, ctx: RequestContext, prompt: str
    ) -> tuple[int, int, str | None, str | None]:
        rng = self.rng
        agent = rng.choice(AGENTS)
        scope = self.app_scope[service.name]
        cursor = start + randint(rng, 2, 20) * MS
        model = self.llm.pick_model(service)
        stuck = rng.random() < STUCK_AGENT_SHARE
        iterations = randint(rng, 4, 8) if stuck else 1 + min(5, int(rng.expovariate(0.9)))
        stuck_tool, stuck_arg = rng.choice(TOOLS), randint(rng, 1, 999)
        history = 0  # the context grows with every turn
        failure: Failure | None = None
        answer: str | None = None
        for _ in range(iterations):
            call = self.llm.sample(model, "agent", prompt, extra_input=history)
            tools = [stuck_tool] if stuck else rng.sample(TOOLS, k=randint(rng, 1, 2))
            call.finish, call.tool_calls = "tool_calls", tools
            cursor, _, failure = self.llm.call(trace, root, cursor, service, ctx, call, final=False)
            if failure:
                break
            for tool in tools:
                cursor = self._tool(
                    trace, root, cursor, service, tool, stuck_arg if stuck else randint(rng, 1, 999)
                )
            history += call.output_tokens + 350 * len(tools)
        if not failure:
            call = self.llm.sample(model, "agent", prompt, extra_input=history)
            cursor, answer, failure = self.llm.call(trace, root, cursor, service, ctx, call)
        if not failure:
            end = cursor + int(rng.uniform(20, 400) * MS)
            trace.span(
                scope,
                span_id(rng),
                root,
                "POST",
                SPAN_KIND_CLIENT,
                cursor,
                end,
                {
                    "http.request.method": "POST",
                    "server.address": "hooks.assist.example.com",
                    "url.full": "https://hooks.assist.example.com/v1/agent-results",
                    "http.response.status_code": 200,
                },
            )
            cursor = end
        end = cursor + randint(rng, 1, 5) * MS
        status, error_type = failure if failure else (200, None)
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": agent,
            "gen_ai.agent.id": f"agt_{sum(map(ord, agent)):x}",
            "traceloop.span.kind": "agent",
            "traceloop.entity.name": agent,
            "traceloop.workflow.name": ctx.feature,
            "messaging.system": "pubsub",
            "messaging.destination.name": "agent-jobs",
            **self._subject(ctx),
            "http.response.status_code": status,
            "app.agent.iterations": iterations,
        }
        if self.content:
            attrs["traceloop.entity.input"] = orjson.dumps({"task": prompt}).decode()
        if error_type:
            attrs["error.type"] = error_type
        links = None
        if self.recent_roots and rng.random() < 0.3:
            t, s = self.recent_roots[-1]  # handed off by a recent interactive request
            links = [(t, s, {"link.reason": "handoff"})]
        trace.span(
            scope,
            root,
            None,
            f"invoke_agent {agent}",
            SPAN_KIND_CONSUMER,
            start,
            end,
            attrs,
            error=f"agent failed: {error_type}" if error_type else None,
            links=links,
        )
        trace.spans.insert(0, trace.spans.pop())
        self.events.request_log(
            trace,
            self.log_scope[service.name],
            end,
            root,
            "RUN",
            f"agent/{agent}",
            status,
            (end - start) / MS,
            error_type,
        )
        return end, status, error_type, (answer if not failure else None)
