"""Attribute keys of each convention, by meaning: which keys name a tenant, a model, a token count,
a person, message content. First match wins, so each tuple is in priority order. Keys come from
OpenTelemetry GenAI semconv (current and deprecated), OpenInference, OpenLLMetry (Traceloop), the
Vercel AI SDK and Claude Code telemetry; ``app.*`` / bare keys are the common custom spellings.
lake/semantics.py turns them into typed columns; lake/privacy.py hashes and drops by them.
"""

from __future__ import annotations

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
TEAM_KEYS = ("app.team", "team.name", "team", "team.id", "ai.telemetry.metadata.team")  # team.id: Claude Code
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
        "tool_input",
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
# A tool call's input (Claude Code with OTEL_LOG_TOOL_DETAILS=1: shell commands, file paths, maybe secrets):
# content, of which landing keeps only what the developer_tools marts need (orchestration/lake/tool_details.py).
TOOL_INPUT_KEYS = frozenset({"tool_parameters", "tool.parameters", "tool_input"})
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
