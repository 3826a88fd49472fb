"""The HTTP features' trace shapes (chat, search, extract, summarize): retrieval -> prompt build -> LLM
(-> tools -> LLM) -> delivery, and summarize's map/reduce under a batch span. A mixin of RequestBuilder:
it uses the builder's rng, scopes, LLM caller and event writer."""

from __future__ import annotations

from typing import Any

import orjson

from . import quality_scenarios
from .catalog import (
    EMBEDDING_MODEL,
    ROUTES,
    TOOLS,
    VECTOR_STORES,
    Service,
)
from .conventions import RequestContext
from .llm_calls import Failure, tool_arguments
from .otlp import SPAN_KIND_CLIENT, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER
from .spans import MS, NS, Trace, exception_event, randint, span_id

TOOL_ERROR_SHARE = 0.04


class HttpFlows:
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
