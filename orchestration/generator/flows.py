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

from .agent_flow import AgentFlow
from .catalog import (
    FEATURE_SERVICE,
    PROMPTS,
    ROUTES,
    SERVICES,
    SYSTEM_PROMPT,
)
from .conventions import RequestContext
from .events import EventWriter
from .http_flows import HttpFlows
from .llm_calls import LlmCaller
from .metrics import MetricsAggregator
from .resources import HTTP_SCOPE, Registry
from .spans import NS, Trace, span_id, trace_id
from .summary import GenerationSummary
from .tenants import Tenant, TenantPicker

STAGING_SHARE = 0.03
PROPAGATE_SHARE = 0.15  # traces whose LLM spans repeat tenant/feature/user
SESSION_NS = 1800 * NS  # a user's requests within 30 minutes form one conversation


class RequestBuilder(HttpFlows, AgentFlow):
    """One request of the application -> one trace (the HTTP features' and the agent's shapes are
    their mixins'); a sampled tenant's trace may be dropped after it fed the metrics."""

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
        trace.tail_sample()
        truth.absorb_sampled(trace_truth, trace.kept, trace.sample_rate)
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
