"""The agent's trace shape: an `invoke_agent` root looping LLM -> tool calls, some agents stuck calling
the same tool with the same arguments. A mixin of RequestBuilder (its rng, scopes, LLM caller, tools)."""

from __future__ import annotations

from typing import Any

import orjson

from .catalog import (
    AGENTS,
    TOOLS,
    Service,
)
from .conventions import RequestContext
from .llm_calls import Failure
from .otlp import SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER
from .spans import MS, Trace, randint, span_id

STUCK_AGENT_SHARE = 0.12  # agent loops calling the same tool with the same arguments again and again


class AgentFlow:
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
