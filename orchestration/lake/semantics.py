"""LLM semantics: typed columns from attributes, across conventions and their old names.

Each typed column lists the attribute keys that feed it, first match wins. Keys come from
OpenTelemetry GenAI semconv (current and deprecated), OpenInference, OpenLLMetry (Traceloop) and
Claude Code telemetry; ``app.*`` / bare keys are the common custom spellings. The table in
docs/semantic_mapping.md is generated from these lists (``python -m orchestration.lake.semantics``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

TENANT_KEYS = (
    "tenant.id",
    "app.tenant.id",
    "tenant_id",
    "tenant",
    "baggage.tenant.id",
    "organization.id",
    # Vercel AI SDK: apps put their own fields under experimental_telemetry.metadata
    "ai.telemetry.metadata.tenantId",
    "ai.telemetry.metadata.tenant_id",
    "ai.telemetry.metadata.tenant",
)
FEATURE_KEYS = (
    "app.feature",
    "feature.name",
    "feature",
    "traceloop.workflow.name",
    "ai.telemetry.metadata.feature",
    "ai.telemetry.functionId",  # Vercel AI SDK: the app's name for the call site
)
TEAM_KEYS = ("app.team", "team.name", "team", "ai.telemetry.metadata.team")
CONVERSATION_KEYS = (
    "gen_ai.conversation.id",
    "session.id",
    "traceloop.association.properties.conversation_id",
)
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider")
OPERATION_KEYS = ("gen_ai.operation.name", "llm.request.type", "traceloop.span.kind")
REQUEST_MODEL_KEYS = (
    "gen_ai.request.model",
    "llm.request.model_name",  # OpenInference (Anthropic), beside llm.model_name = the response's
    "llm.model_name",
    "llm.request.model",
    "ai.model.id",  # Vercel AI SDK
    "model",
)
RESPONSE_MODEL_KEYS = (
    "gen_ai.response.model",
    "llm.response.model",
    "llm.response.model_name",
    "ai.response.model",
)
INPUT_TOKEN_KEYS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "llm.usage.prompt_tokens",
    "ai.usage.inputTokens",  # Vercel AI SDK 5+
    "ai.usage.promptTokens",  # Vercel AI SDK 4
    "input_tokens",
)
OUTPUT_TOKEN_KEYS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "llm.usage.completion_tokens",
    "ai.usage.outputTokens",
    "ai.usage.completionTokens",
    "output_tokens",
)
CACHE_READ_KEYS = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "llm.usage.cache_read_input_tokens",
    "ai.usage.cachedInputTokens",
    "cache_read_tokens",
)
CACHE_WRITE_KEYS = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",  # the Anthropic SDK's own spans
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
    "ai.usage.reasoningTokens",
)
TOTAL_TOKEN_KEYS = (
    "gen_ai.usage.total_tokens",
    "llm.token_count.total",
    "llm.usage.total_tokens",
    "ai.usage.totalTokens",
)
COST_KEYS = (
    "gen_ai.usage.cost",
    "gen_ai.cost.total_cost",  # LiteLLM
    "llm.cost.total",  # OpenInference
    "gen_ai.cost.total",
    "cost_usd",
    "llm.usage.cost",
)
FINISH_KEYS = ("gen_ai.response.finish_reasons", "llm.response.finish_reason", "llm.finish_reason")
STREAMING_KEYS = ("gen_ai.request.stream", "llm.is_streaming", "gen_ai.is_streaming")
TTFT_KEYS = (
    "gen_ai.response.time_to_first_chunk",  # seconds (semconv)
    "gen_ai.server.time_to_first_token",  # seconds
    "llm.time_to_first_token_ms",
    "ttft_ms",
)
PROMPT_ID_KEYS = (
    "gen_ai.prompt.id",
    "gen_ai.prompt.name",
    "llm.prompt_template.name",
    "traceloop.prompt.key",
    "prompt.id",
)
PROMPT_VERSION_KEYS = (
    "gen_ai.prompt.version",
    "llm.prompt_template.version",
    "traceloop.prompt.version",
    "prompt.version",
    "app.prompt.version",
)
TOOL_NAME_KEYS = ("gen_ai.tool.name", "tool.name", "tool_name", "traceloop.entity.name", "ai.toolCall.name")
AGENT_NAME_KEYS = ("gen_ai.agent.name", "agent.name", "graph.node.name")
SAMPLE_RATE_KEYS = ("sampling.rate", "SampleRate", "sample_rate", "app.sample_rate")
RETRY_KEYS = (
    "http.request.resend_count",
    "gen_ai.request.retry_attempt",
    "retry.attempt",
    "app.retry_attempt",
)
FALLBACK_KEYS = ("gen_ai.request.is_fallback", "llm.is_fallback", "app.fallback", "fallback")
HTTP_STATUS_KEYS = ("http.response.status_code", "http.status_code", "status_code")
ERROR_TYPE_KEYS = ("error.type", "exception.type", "error")
EVAL_NAME_KEYS = ("gen_ai.evaluation.name", "eval.name", "evaluation.name")
EVAL_SCORE_KEYS = (
    "gen_ai.evaluation.score.value",
    "gen_ai.evaluation.score",
    "eval.score",
    "evaluation.score",
)
EVAL_LABEL_KEYS = ("gen_ai.evaluation.score.label", "eval.label", "evaluation.label")
FEEDBACK_KEYS = ("user.feedback.score", "feedback.score", "gen_ai.feedback.score", "feedback")
MODEL_METRIC_KEYS = ("gen_ai.response.model", "gen_ai.request.model", "model")
TOKEN_TYPE_KEYS = ("gen_ai.token.type", "type")

# Identifiers of people: replaced by a keyed HMAC before anything is written.
USER_ID_KEYS = (
    "user.id",
    "enduser.id",
    "enduser.pseudo.id",
    "gen_ai.user.id",
    "user_id",
    "user.email",
    "user.account_uuid",
    "user.name",
    "traceloop.association.properties.user_id",
    "ai.telemetry.metadata.userId",
    "ai.telemetry.metadata.user_id",
)
SESSION_ID_KEYS = ("session.id", "gen_ai.conversation.id", "traceloop.association.properties.session_id")

# Prompt / completion text: dropped unless content capture is on (then kept in the restricted table).
CONTENT_EXACT_KEYS = frozenset(
    {
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "gen_ai.tool.definitions",
        "input.value",
        "output.value",
        "traceloop.entity.input",
        "traceloop.entity.output",
        "llm.prompts",
        "llm.completions",
        "llm.prompt_template.variables",
        "prompt",
        "completion",
        "gen_ai.evaluation.explanation",
        "feedback.comment",
        "user.feedback.comment",
        "tool_parameters",
        "tool.parameters",
        "error.message.content",
        # Vercel AI SDK
        "ai.prompt",
        "ai.response.text",
        "ai.response.object",
        "ai.response.toolCalls",
        "ai.response.reasoning",
        "ai.toolCall.args",
        "ai.toolCall.result",
        "ai.value",
        "ai.values",
        "ai.embedding",
        "ai.embeddings",
    }
)
# Indexed message content of the deprecated GenAI / OpenLLMetry shape: gen_ai.prompt.0.content, …
INDEXED_CONTENT_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.")
CONTENT_PREFIXES = (
    "llm.input_messages",
    "llm.output_messages",
    "retrieval.documents",
    "embedding.embeddings",
    "reranker.input_documents",
    "reranker.output_documents",
    "llm.prompts.",
    "llm.completions.",
    "llm.tools.",
    "ai.prompt.",  # Vercel AI SDK: ai.prompt.messages, ai.prompt.tools, ...
)
# Which side of the conversation a content key belongs to, for input_chars / output_chars.
OUTPUT_CONTENT_MARKERS = (
    "output",
    "completion",
    "result",
    "choice",
    "retrieval.documents",
    "reranker.output",
    "ai.response.",
    "ai.value",
    "ai.embedding",
)
# Log events whose body is message content (GenAI semconv events, old and new).
CONTENT_EVENT_NAMES = frozenset(
    {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
        "gen_ai.client.inference.operation.details",
        "gen_ai.content.prompt",
        "gen_ai.content.completion",
        "claude_code.user_prompt",
    }
)

SPAN_KIND_TYPES = {
    # OpenInference span kinds
    "LLM": "llm",
    "EMBEDDING": "embedding",
    "TOOL": "tool",
    "RETRIEVER": "retrieval",
    "RERANKER": "retrieval",
    "AGENT": "agent",
    "CHAIN": "chain",
    "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator",
    # OpenLLMetry traceloop.span.kind
    "workflow": "chain",
    "task": "chain",
    "agent": "agent",
    "tool": "tool",
}
OPERATION_TYPES = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "completion": "llm",
    "embeddings": "embedding",
    "embedding": "embedding",
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "retrieval": "retrieval",
    "rerank": "retrieval",
}


# Retrieved documents' ids and scores are metadata (what retrieval analytics count); their text is content.
DOCUMENT_LIST_PREFIXES = ("retrieval.documents.", "reranker.output_documents.")
DOCUMENT_METADATA_SUFFIXES = (".document.id", ".document.score")


def is_content_key(key: str) -> bool:
    if key.startswith(DOCUMENT_LIST_PREFIXES) and key.endswith(DOCUMENT_METADATA_SUFFIXES):
        return False
    if key in CONTENT_EXACT_KEYS or key.startswith(CONTENT_PREFIXES):
        return True
    if key.startswith(INDEXED_CONTENT_PREFIXES):
        # gen_ai.prompt.0.content is text; gen_ai.prompt.id / .version / .name are metadata.
        return key.split(".", 3)[2].isdigit()
    return key in ("gen_ai.prompt", "gen_ai.completion")


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
        number = int(value) if not isinstance(value, float) else round(value)
    except (TypeError, ValueError, OverflowError):  # infinity and NaN are no count either
        try:
            number = int(float(value))
        except (TypeError, ValueError, OverflowError):
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


def _ttft_ms(value: Any, key: str) -> float | None:
    number = _as_float(value)
    if number is None:
        return None
    return number if key.endswith("_ms") else number * 1000.0  # semconv reports seconds


def _provider(value: Any, key: str) -> str | None:
    text = _as_str(value)
    return text.lower() if text else None


def _keyless(convert):
    return lambda value, key: convert(value)


# column → (attribute keys in priority order, converter, falls back to resource attributes)
LLM_COLUMNS: dict[str, tuple[tuple[str, ...], Any, bool]] = {
    "feature": (FEATURE_KEYS, _keyless(_as_str), True),
    "team": (TEAM_KEYS, _keyless(_as_str), True),
    "conversation_id": (CONVERSATION_KEYS, _keyless(_as_str), False),
    "gen_ai_provider": (PROVIDER_KEYS, _provider, True),
    "gen_ai_operation": (OPERATION_KEYS, _keyless(_as_str), False),
    "request_model": (REQUEST_MODEL_KEYS, _keyless(_as_str), False),
    "response_model": (RESPONSE_MODEL_KEYS, _keyless(_as_str), False),
    "input_tokens": (INPUT_TOKEN_KEYS, _keyless(_as_int), False),
    "output_tokens": (OUTPUT_TOKEN_KEYS, _keyless(_as_int), False),
    "cache_read_tokens": (CACHE_READ_KEYS, _keyless(_as_int), False),
    "cache_write_tokens": (CACHE_WRITE_KEYS, _keyless(_as_int), False),
    "reasoning_tokens": (REASONING_KEYS, _keyless(_as_int), False),
    "total_tokens": (TOTAL_TOKEN_KEYS, _keyless(_as_int), False),
    "reported_cost_usd": (COST_KEYS, _keyless(as_cost), False),
    "finish_reasons": (FINISH_KEYS, _keyless(_as_str), False),
    "is_streaming": (STREAMING_KEYS, _keyless(_as_bool), False),
    "ttft_ms": (TTFT_KEYS, _ttft_ms, False),
    "prompt_id": (PROMPT_ID_KEYS, _keyless(_as_str), False),
    "prompt_version": (PROMPT_VERSION_KEYS, _keyless(_as_str), False),
    "tool_name": (TOOL_NAME_KEYS, _keyless(_as_str), False),
    "agent_name": (AGENT_NAME_KEYS, _keyless(_as_str), False),
    "sample_rate": (SAMPLE_RATE_KEYS, _keyless(_as_float), True),
    "retry_attempt": (RETRY_KEYS, _keyless(_as_int), False),
    "is_fallback": (FALLBACK_KEYS, _keyless(_as_bool), False),
    "http_status_code": (HTTP_STATUS_KEYS, _keyless(_as_int), False),
    "error_type": (ERROR_TYPE_KEYS, _keyless(_as_str), False),
    "eval_name": (EVAL_NAME_KEYS, _keyless(_as_str), False),
    "eval_score": (EVAL_SCORE_KEYS, _keyless(_as_float), False),
    "eval_label": (EVAL_LABEL_KEYS, _keyless(_as_str), False),
    "feedback_score": (FEEDBACK_KEYS, _keyless(_as_float), False),
}
RESOURCE_FALLBACK_COLUMNS = tuple(c for c, (_, _, fallback) in LLM_COLUMNS.items() if fallback)

# Convention markers: OpenInference's own keys win over the shared `llm.*` prefix of OpenLLMetry.
_OPENINFERENCE, _OPENLLMETRY, _GENAI = 1, 2, 4
_OPENINFERENCE_KEYS = frozenset({"openinference.span.kind", "llm.model_name", "llm.token_count.prompt"})
_INDEX: dict[str, list[tuple[str, int]]] = {}
for _column, (_keys, _, _) in LLM_COLUMNS.items():
    for _rank, _key in enumerate(_keys):
        _INDEX.setdefault(_key, []).append((_column, _rank))
_KEY_INFO: dict[str, tuple[list[tuple[str, int]], int]] = {}


def _key_info(key: str) -> tuple[list[tuple[str, int]], int]:
    """Which columns a key feeds and which convention it marks; memoized since keys repeat."""
    info = _KEY_INFO.get(key)
    if info is None:
        flag = 0
        if key in _OPENINFERENCE_KEYS:
            flag = _OPENINFERENCE
        elif key.startswith(("traceloop.", "llm.usage.", "llm.request.")):
            flag = _OPENLLMETRY
        elif key.startswith("gen_ai."):
            flag = _GENAI
        info = (_INDEX.get(key, []), flag)
        if len(_KEY_INFO) < 100_000:  # hostile input with endless unique keys must not grow memory
            _KEY_INFO[key] = info
    return info


def resource_fallbacks(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource-level values of the columns that may come from the resource; once per resource."""
    out = {}
    for column in RESOURCE_FALLBACK_COLUMNS:
        keys, convert, _ = LLM_COLUMNS[column]
        for key in keys:
            value = resource.get(key)
            if value is not None and value != "":
                out[column] = convert(value, key)
                break
    return out


def _convention(flags: int, event_name: str | None) -> str | None:
    if event_name and event_name.startswith("claude_code."):
        return "claude_code"
    if flags & _OPENINFERENCE:
        return "openinference"
    if flags & _OPENLLMETRY:
        return "openllmetry"
    if flags & _GENAI:
        return "genai"
    return None


def _span_type(attrs: dict[str, Any], row: dict[str, Any], event_name: str | None) -> str | None:
    kind = attrs.get("openinference.span.kind") or attrs.get("traceloop.span.kind")
    if isinstance(kind, str) and kind in SPAN_KIND_TYPES:
        return SPAN_KIND_TYPES[kind]
    operation = row.get("gen_ai_operation")
    if operation and operation.lower() in OPERATION_TYPES:
        return OPERATION_TYPES[operation.lower()]
    if event_name == "claude_code.api_request" or row.get("request_model") or row.get("response_model"):
        return "llm"
    if row.get("tool_name") is not None:
        return "tool"
    return None


def key_info(key: str) -> tuple[list[tuple[str, int]], int]:
    """(columns the key feeds with its rank, convention flag); memoized."""
    return _KEY_INFO.get(key) or _key_info(key)


def add_hit(best: dict[str, tuple[int, Any, str]], hits: list[tuple[str, int]], key: str, value: Any) -> None:
    """Record that `key` = `value` may feed `hits`; a higher-priority key already seen wins."""
    if value is None or value == "":
        return
    for column, rank in hits:
        current = best.get(column)
        if current is None or rank < current[0]:
            best[column] = (rank, value, key)


def collect_hits(attrs: dict[str, Any]) -> tuple[dict[str, tuple[int, Any, str]], int]:
    """The winning key of each LLM column and the convention flags, in one pass over `attrs`."""
    best: dict[str, tuple[int, Any, str]] = {}
    flags = 0
    for key, value in attrs.items():
        hits, flag = _KEY_INFO.get(key) or _key_info(key)
        flags |= flag
        if hits:
            add_hit(best, hits, key, value)
    return best, flags


def extract_llm_columns(
    attrs: dict[str, Any], resource_defaults: dict[str, Any], event_name: str | None = None
) -> dict[str, Any]:
    """Typed LLM columns of one span or log record from its attributes (already privacy-filtered);
    `resource_defaults` comes from `resource_fallbacks`."""
    return llm_columns(*collect_hits(attrs), attrs, resource_defaults, event_name)


def llm_columns(
    best: dict[str, tuple[int, Any, str]],
    flags: int,
    attrs: dict[str, Any],
    resource_defaults: dict[str, Any],
    event_name: str | None = None,
) -> dict[str, Any]:
    """The row's LLM columns from the winning keys. Columns without a value are left out (they are
    null in the lake): most spans are not LLM calls, and small dicts are fast."""
    row: dict[str, Any] = {}
    for column, (_, value, key) in best.items():
        converted = LLM_COLUMNS[column][1](value, key)
        if converted is not None:
            row[column] = converted
    for column, value in resource_defaults.items():
        if column not in row and value is not None:
            row[column] = value
    convention = _convention(flags, event_name)
    if convention:
        row["llm_convention"] = convention
    span_type = _span_type(attrs, row, event_name)
    if span_type:
        row["span_type"] = span_type
    return row


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
    (
        "input_tokens",
        INPUT_TOKEN_KEYS,
        "as reported; GenAI semconv includes cache read and write tokens. Claude Code "
        "events report them apart: the warehouse (int_llm_calls_normalized) adds them back",
    ),
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
