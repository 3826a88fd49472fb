"""Log records around a request: application logs, evaluation scores and user feedback."""

from __future__ import annotations

import random

from .resources import Registry
from .spans import NS, Trace, randint

EVALUATIONS = (
    # name, score -> label
    ("relevance", lambda s: "relevant" if s >= 0.5 else "irrelevant"),
    ("faithfulness", lambda s: "faithful" if s >= 0.6 else "hallucinated"),
    ("toxicity", lambda s: "toxic" if s >= 0.8 else "non_toxic"),
)
EVAL_SHARE = 0.25
FEEDBACK_SHARE = 0.06
EXPLANATIONS = (
    "The answer addresses the question using the retrieved passages.",
    "Part of the answer is not supported by any cited passage.",
)
COMMENTS = ("Exactly what I needed, thanks!", "This did not answer my question at all.")


class EventWriter:
    def __init__(self, rng: random.Random, registry: Registry, content: bool) -> None:
        self.rng = rng
        self.content = content
        self.eval_resource = registry.evaluator()
        self.eval_scope = registry.scope("llm-judge", "0.7.2")
        self.feedback_scope = registry.scope("app.feedback", "1.0.0")

    def request_log(
        self,
        trace: Trace,
        scope: str,
        time_ns: int,
        root: str,
        method: str,
        route: str,
        status: int,
        duration_ms: float,
        error_type: str | None,
    ) -> None:
        """The access/application log line every request leaves behind."""
        severity = "ERROR" if status >= 500 else ("WARN" if status >= 400 else "INFO")
        body = f"{method} {route} -> {status} in {duration_ms:.0f} ms"
        if error_type:
            body += f" (upstream LLM call failed: {error_type})"
        trace.log(
            scope,
            time_ns,
            severity,
            body,
            {"http.route": route, "http.response.status_code": status, "code.function.name": "handle"},
            root,
        )

    def after_request(
        self,
        trace: Trace,
        end_ns: int,
        llm_span: str | None,
        root: str,
        tenant_id: str,
        feature: str,
        user_id: str,
    ) -> None:
        """Asynchronous judgements that arrive seconds to minutes after the answer."""
        rng = self.rng
        if llm_span and rng.random() < EVAL_SHARE:
            for name, label_of in rng.sample(EVALUATIONS, k=randint(rng, 1, 2)):
                score = round(rng.betavariate(1.2, 6) if name == "toxicity" else rng.betavariate(5, 1.6), 4)
                attrs = {
                    "gen_ai.evaluation.name": name,
                    "gen_ai.evaluation.score.value": score,
                    "gen_ai.evaluation.score.label": label_of(score),
                    "tenant.id": tenant_id,
                    "app.feature": feature,
                }
                if self.content:
                    attrs["gen_ai.evaluation.explanation"] = EXPLANATIONS[score < 0.6]
                trace.log(
                    self.eval_scope,
                    end_ns + int(rng.uniform(5, 300) * NS),
                    "INFO",
                    f"evaluation {name}",
                    attrs,
                    llm_span,
                    "gen_ai.evaluation.result",
                    resource=self.eval_resource,
                )
        if rng.random() < FEEDBACK_SHARE:
            score = 1 if rng.random() < 0.7 else -1
            attrs = {
                "feedback.score": score,
                "tenant.id": tenant_id,
                "app.feature": feature,
                "user.id": user_id,
            }
            if self.content:
                attrs["feedback.comment"] = COMMENTS[score < 0]
            trace.log(
                self.feedback_scope,
                end_ns + int(rng.uniform(10, 900) * NS),
                "INFO",
                "user feedback",
                attrs,
                root,
                "user.feedback",
            )
