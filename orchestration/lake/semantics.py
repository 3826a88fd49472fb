"""LLM semantics: typed columns from attributes, across conventions and their old names.

Each typed column lists the attribute keys that feed it, first match wins. Keys come from
OpenTelemetry GenAI semconv (current and deprecated), OpenInference, OpenLLMetry (Traceloop) and
Claude Code telemetry; ``app.*`` / bare keys are the common custom spellings. The table in
docs/semantic_mapping.md is generated from these lists (``python -m orchestration.lake.semantics``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

TENANT_KEYS = ("tenant.id", "app.tenant.id", "tenant_id", "tenant", "baggage.tenant.id", "organization.id")
FEATURE_KEYS = ("app.feature", "feature.name", "feature", "traceloop.workflow.name")
TEAM_KEYS = ("app.team", "team.name", "team")
CONVERSATION_KEYS = ("gen_ai.conversation.id", "session.id", "traceloop.association.properties.conversation_id")
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
OPERATION_KEYS = ("gen_ai.operation.name", "llm.request.type", "traceloop.span.kind")
REQUEST_MODEL_KEYS = ("gen_ai.request.model", "llm.model_name", "llm.request.model", "model")
RESPONSE_MODEL_KEYS = ("gen_ai.response.model", "llm.response.model")
INPUT_TOKEN_KEYS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "llm.usage.prompt_tokens",
    "input_tokens",
)
OUTPUT_TOKEN_KEYS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "llm.usage.completion_tokens",
    "output_tokens",
)
CACHE_READ_KEYS = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "llm.usage.cache_read_input_tokens",
    "cache_read_tokens",
)
CACHE_WRITE_KEYS = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
    "llm.usage.cache_creation_input_tokens",
    "cache_creation_tokens",
)
REASONING_KEYS = (
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
    "llm.usage.reasoning_tokens",
)
TOTAL_TOKEN_KEYS = ("gen_ai.usage.total_tokens", "llm.token_count.total", "llm.usage.total_tokens")
COST_KEYS = ("gen_ai.usage.cost", "llm.cost.total", "gen_ai.cost.total", "cost_usd", "llm.usage.cost")
FINISH_KEYS = ("gen_ai.response.finish_reasons", "llm.response.finish_reason", "llm.finish_reason")
STREAMING_KEYS = ("gen_ai.request.stream", "llm.is_streaming", "gen_ai.is_streaming")
TTFT_KEYS = (
    "gen_ai.response.time_to_first_chunk",  # seconds (semconv)
    "gen_ai.server.time_to_first_token",  # seconds
    "llm.time_to_first_token_ms",
    "ttft_ms",
)
PROMPT_ID_KEYS = ("gen_ai.prompt.id", "gen_ai.prompt.name", "llm.prompt_template.name", "traceloop.prompt.key", "prompt.id")
PROMPT_VERSION_KEYS = (
    "gen_ai.prompt.version",
    "llm.prompt_template.version",
    "traceloop.prompt.version",
    "prompt.version",
    "app.prompt.version",
)
TOOL_NAME_KEYS = ("gen_ai.tool.name", "tool.name", "tool_name", "traceloop.entity.name")
AGENT_NAME_KEYS = ("gen_ai.agent.name", "agent.name", "graph.node.name")
SAMPLE_RATE_KEYS = ("sampling.rate", "SampleRate", "sample_rate", "app.sample_rate")
RETRY_KEYS = ("http.request.resend_count", "gen_ai.request.retry_attempt", "retry.attempt", "app.retry_attempt")
FALLBACK_KEYS = ("gen_ai.request.is_fallback", "llm.is_fallback", "app.fallback", "fallback")
HTTP_STATUS_KEYS = ("http.response.status_code", "http.status_code", "status_code")
ERROR_TYPE_KEYS = ("error.type", "exception.type", "error")
EVAL_NAME_KEYS = ("gen_ai.evaluation.name", "eval.name", "evaluation.name")
EVAL_SCORE_KEYS = ("gen_ai.evaluation.score.value", "gen_ai.evaluation.score", "eval.score", "evaluation.score")
EVAL_LABEL_KEYS = ("gen_ai.evaluation.score.label", "eval.label", "evaluation.label")
FEEDBACK_KEYS = ("user.feedback.score", "feedback.score", "gen_ai.feedback.score", "feedback")
MODEL_METRIC_KEYS = ("gen_ai.response.model", "gen_ai.request.model", "model")
TOKEN_TYPE_KEYS = ("gen_ai.token.type", "type")

# Identifiers of people: replaced by a keyed HMAC before anything is written.
USER_ID_KEYS = ("user.id", "enduser.id", "enduser.pseudo.id", "gen_ai.user.id", "user_id", "user.email",
                "user.account_uuid", "user.name", "traceloop.association.properties.user_id")
SESSION_ID_KEYS = ("session.id", "gen_ai.conversation.id", "traceloop.association.properties.session_id")

# Prompt / completion text: dropped unless content capture is on (then kept in the restricted table).
CONTENT_EXACT_KEYS = frozenset({
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.tool.definitions",
    "input.value", "output.value", "traceloop.entity.input", "traceloop.entity.output",
    "llm.prompts", "llm.completions", "llm.prompt_template.variables", "prompt", "completion",
    "gen_ai.evaluation.explanation", "feedback.comment", "user.feedback.comment",
    "tool_parameters", "tool.parameters", "error.message.content",
})
CONTENT_PREFIXES = (
    "gen_ai.prompt", "gen_ai.completion", "llm.input_messages", "llm.output_messages",
    "retrieval.documents", "embedding.embeddings", "reranker.input_documents", "reranker.output_documents",
    "llm.prompts.", "llm.completions.", "llm.tools.",
)
# Which side of the conversation a content key belongs to, for input_chars / output_chars.
OUTPUT_CONTENT_MARKERS = ("output", "completion", "result", "choice", "retrieval.documents", "reranker.output")
# Log events whose body is message content (GenAI semconv events, old and new).
CONTENT_EVENT_NAMES = frozenset({
    "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
    "gen_ai.choice", "gen_ai.client.inference.operation.details", "gen_ai.content.prompt",
    "gen_ai.content.completion", "claude_code.user_prompt",
})

SPAN_KIND_TYPES = {
    # OpenInference span kinds
    "LLM": "llm", "EMBEDDING": "embedding", "TOOL": "tool", "RETRIEVER": "retrieval", "RERANKER": "retrieval",
    "AGENT": "agent", "CHAIN": "chain", "GUARDRAIL": "guardrail", "EVALUATOR": "evaluator",
    # OpenLLMetry traceloop.span.kind
    "workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool",
}
OPERATION_TYPES = {
    "chat": "llm", "text_completion": "llm", "generate_content": "llm", "completion": "llm",
    "embeddings": "embedding", "embedding": "embedding", "execute_tool": "tool",
    "invoke_agent": "agent", "create_agent": "agent", "retrieval": "retrieval", "rerank": "retrieval",
}


def is_content_key(key: str) -> bool:
    return key in CONTENT_EXACT_KEYS or key.startswith(CONTENT_PREFIXES)


def is_output_content_key(key: str) -> bool:
    return any(marker in key for marker in OUTPUT_CONTENT_MARKERS)


def _first(attrs: dict[str, Any], keys: tuple[str, ...], *more: dict[str, Any]) -> Any:
    for source in (attrs, *more):
        for key in keys:
            value = source.get(key)
            if value is not None and value != "":
                return value
    return None


def _as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value) if not isinstance(value, float) else int(round(value))
    except (TypeError, ValueError):
        try:
            number = int(float(value))
        except (TypeError, ValueError):
            return None
    return number if -(2**63) <= number < 2**63 else None


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
    if isinstance(value, int | float):
        return bool(value)
    return None


def _as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


COST_QUANTUM = Decimal("0.000000001")
MAX_COST = Decimal("1e28")


def as_cost(value: Any) -> Decimal | None:
    """Reported cost as an exact decimal (9 places, NUMERIC-compatible); floats go through repr."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value)).quantize(COST_QUANTUM)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or abs(amount) >= MAX_COST:
        return None
    return amount


def _ttft_ms(attrs: dict[str, Any]) -> float | None:
    for key in TTFT_KEYS:
        value = _as_float(attrs.get(key))
        if value is not None:
            return value if key.endswith("_ms") else value * 1000.0
    return None


def _convention(attrs: dict[str, Any], event_name: str | None) -> str | None:
    if event_name and event_name.startswith("claude_code."):
        return "claude_code"
    if "openinference.span.kind" in attrs or "llm.model_name" in attrs or "llm.token_count.prompt" in attrs:
        return "openinference"
    if any(k.startswith(("traceloop.", "llm.usage.", "llm.request.")) for k in attrs):
        return "openllmetry"
    if any(k.startswith("gen_ai.") for k in attrs):
        return "genai"
    return None


def _span_type(attrs: dict[str, Any], operation: str | None, has_model: bool, event_name: str | None) -> str | None:
    kind = attrs.get("openinference.span.kind") or attrs.get("traceloop.span.kind")
    if isinstance(kind, str) and kind in SPAN_KIND_TYPES:
        return SPAN_KIND_TYPES[kind]
    if isinstance(operation, str) and operation.lower() in OPERATION_TYPES:
        return OPERATION_TYPES[operation.lower()]
    if event_name == "claude_code.api_request":
        return "llm"
    if has_model:
        return "llm"
    if _first(attrs, TOOL_NAME_KEYS) is not None:
        return "tool"
    return None


def extract_llm_columns(
    attrs: dict[str, Any], resource: dict[str, Any], event_name: str | None = None
) -> dict[str, Any]:
    """Typed LLM columns of one span or log record. `attrs` are already privacy-filtered."""
    request_model = _as_str(_first(attrs, REQUEST_MODEL_KEYS))
    response_model = _as_str(_first(attrs, RESPONSE_MODEL_KEYS))
    operation = _as_str(_first(attrs, OPERATION_KEYS))
    provider = _as_str(_first(attrs, PROVIDER_KEYS, resource))
    retry = _as_int(_first(attrs, RETRY_KEYS))
    return {
        "llm_convention": _convention(attrs, event_name),
        "span_type": _span_type(attrs, operation, bool(request_model or response_model), event_name),
        "feature": _as_str(_first(attrs, FEATURE_KEYS, resource)),
        "team": _as_str(_first(attrs, TEAM_KEYS, resource)),
        "conversation_id": _as_str(_first(attrs, CONVERSATION_KEYS)),
        "gen_ai_provider": provider.lower() if provider else None,
        "gen_ai_operation": operation,
        "request_model": request_model,
        "response_model": response_model,
        "input_tokens": _as_int(_first(attrs, INPUT_TOKEN_KEYS)),
        "output_tokens": _as_int(_first(attrs, OUTPUT_TOKEN_KEYS)),
        "cache_read_tokens": _as_int(_first(attrs, CACHE_READ_KEYS)),
        "cache_write_tokens": _as_int(_first(attrs, CACHE_WRITE_KEYS)),
        "reasoning_tokens": _as_int(_first(attrs, REASONING_KEYS)),
        "total_tokens": _as_int(_first(attrs, TOTAL_TOKEN_KEYS)),
        "reported_cost_usd": as_cost(_first(attrs, COST_KEYS)),
        "finish_reasons": _as_str(_first(attrs, FINISH_KEYS)),
        "is_streaming": _as_bool(_first(attrs, STREAMING_KEYS)),
        "ttft_ms": _ttft_ms(attrs),
        "prompt_id": _as_str(_first(attrs, PROMPT_ID_KEYS)),
        "prompt_version": _as_str(_first(attrs, PROMPT_VERSION_KEYS)),
        "tool_name": _as_str(_first(attrs, TOOL_NAME_KEYS)),
        "agent_name": _as_str(_first(attrs, AGENT_NAME_KEYS)),
        "sample_rate": _as_float(_first(attrs, SAMPLE_RATE_KEYS, resource)),
        "retry_attempt": retry,
        "is_fallback": _as_bool(_first(attrs, FALLBACK_KEYS)),
        "http_status_code": _as_int(_first(attrs, HTTP_STATUS_KEYS)),
        "error_type": _as_str(_first(attrs, ERROR_TYPE_KEYS)),
        "eval_name": _as_str(_first(attrs, EVAL_NAME_KEYS)),
        "eval_score": _as_float(_first(attrs, EVAL_SCORE_KEYS)),
        "eval_label": _as_str(_first(attrs, EVAL_LABEL_KEYS)),
        "feedback_score": _as_float(_first(attrs, FEEDBACK_KEYS)),
    }


def first_str(attrs: dict[str, Any], keys: tuple[str, ...], *more: dict[str, Any]) -> str | None:
    return _as_str(_first(attrs, keys, *more))


MAPPING_ROWS: list[tuple[str, tuple[str, ...], str]] = [
    ("tenant_id", TENANT_KEYS, "span, then trace root, then resource attributes"),
    ("feature", FEATURE_KEYS, "span or resource; filled down from the trace root"),
    ("team", TEAM_KEYS, "span or resource; filled down from the trace root"),
    ("user_hash", USER_ID_KEYS, "HMAC-SHA256 of the first present id; raw ids never land"),
    ("session_hash", SESSION_ID_KEYS, "HMAC-SHA256 (SPANLEDGER_HASH_SESSION_IDS, on by default)"),
    ("conversation_id", CONVERSATION_KEYS, "hashed when the key is a session id"),
    ("gen_ai_provider", PROVIDER_KEYS, "lowercased; span, then resource"),
    ("gen_ai_operation", OPERATION_KEYS, ""),
    ("request_model", REQUEST_MODEL_KEYS, ""),
    ("response_model", RESPONSE_MODEL_KEYS, ""),
    ("input_tokens", INPUT_TOKEN_KEYS, "includes cache read and cache write tokens (GenAI semconv)"),
    ("output_tokens", OUTPUT_TOKEN_KEYS, "includes reasoning tokens"),
    ("cache_read_tokens", CACHE_READ_KEYS, ""),
    ("cache_write_tokens", CACHE_WRITE_KEYS, ""),
    ("reasoning_tokens", REASONING_KEYS, ""),
    ("total_tokens", TOTAL_TOKEN_KEYS, ""),
    ("reported_cost_usd", COST_KEYS, "decimal(38,9); Claude Code events: cost_usd"),
    ("finish_reasons", FINISH_KEYS, "comma-separated"),
    ("is_streaming", STREAMING_KEYS, ""),
    ("ttft_ms", TTFT_KEYS, "semconv values are seconds and are converted to ms"),
    ("prompt_id", PROMPT_ID_KEYS, ""),
    ("prompt_version", PROMPT_VERSION_KEYS, ""),
    ("tool_name", TOOL_NAME_KEYS, ""),
    ("agent_name", AGENT_NAME_KEYS, ""),
    ("sample_rate", SAMPLE_RATE_KEYS, "span, then resource; 1/N weighting in the marts"),
    ("retry_attempt", RETRY_KEYS, ""),
    ("is_fallback", FALLBACK_KEYS, ""),
    ("http_status_code", HTTP_STATUS_KEYS, ""),
    ("error_type", ERROR_TYPE_KEYS, ""),
    ("eval_name", EVAL_NAME_KEYS, "log events"),
    ("eval_score", EVAL_SCORE_KEYS, "log events"),
    ("eval_label", EVAL_LABEL_KEYS, "log events"),
    ("feedback_score", FEEDBACK_KEYS, "log events; negative = unhappy user"),
    ("model (metric_points)", MODEL_METRIC_KEYS, "e.g. claude_code.token.usage"),
    ("token_type (metric_points)", TOKEN_TYPE_KEYS, "input | output | cacheRead | cacheCreation"),
]


def mapping_markdown() -> str:
    lines = ["| column | attribute keys, first present wins | notes |", "|---|---|---|"]
    for column, keys, note in MAPPING_ROWS:
        lines.append(f"| `{column}` | {', '.join(f'`{k}`' for k in keys)} | {note} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(mapping_markdown())
