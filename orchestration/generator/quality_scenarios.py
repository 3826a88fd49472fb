"""What the quality marts (issue 26) should find in the demo, planted on purpose.

- chat's prompt runs as a production version (v4) and a canary (v5, CANARY_SHARE of chat requests)
  that regresses: it is cut off by the token limit far more often than production.
- A share of streamed answers is cancelled: the client hangs up, the stream ends without a finish
  reason after a third of the answer (those tokens are still billed).
- Some retrievals come back empty.

Looping agents and evaluator scores come from flows.py and events.py as before. The hooks change
only what they are given and draw from the request's own random generator, so runs stay
reproducible.
"""

from __future__ import annotations

import random
from typing import Any

from .conventions import LlmCall
from .spans import randint

CANARY_FEATURE = "chat"
CANARY_SHARE = 0.3
CANARY_TRUNCATION_SHARE = 0.35
CANCELLED_STREAM_SHARE = 0.06
EMPTY_RETRIEVAL_SHARE = 0.08


def prompt_attributes(rng: random.Random, feature: str) -> dict[str, Any]:
    """The prompt a request runs: id, version and, for the canary rollout, its label."""
    if feature == CANARY_FEATURE:
        canary = rng.random() < CANARY_SHARE
        return {
            "prompt.id": f"{feature}-main",
            "gen_ai.prompt.version": "v5" if canary else "v4",
            "gen_ai.prompt.label": "canary" if canary else "production",
        }
    return {"prompt.id": f"{feature}-main", "gen_ai.prompt.version": rng.choice(("v3", "v4"))}


def shape_call(rng: random.Random, call: LlmCall, prompt: dict[str, Any]) -> None:
    """The canary's regression and cancelled streams, on a sampled call before it is made."""
    if prompt.get("gen_ai.prompt.label") == "canary" and rng.random() < CANARY_TRUNCATION_SHARE:
        call.finish, call.output_tokens = "length", call.max_tokens + call.reasoning
    elif call.streaming and rng.random() < CANCELLED_STREAM_SHARE:
        # no finish reason: the stream never completed; what was produced is still billed
        call.finish = ""
        call.output_tokens = max(call.reasoning + 1, call.output_tokens // 3)


def retrieved_documents(rng: random.Random, top_k: int) -> list[tuple[str, float]]:
    """Document ids and scores of one retrieval, sometimes none."""
    if rng.random() < EMPTY_RETRIEVAL_SHARE:
        return []
    return [(f"kb-{randint(rng, 1, 50_000)}", round(rng.uniform(0.55, 0.95), 4)) for _ in range(top_k)]
