"""Convention mapping and privacy filtering on single attribute maps (the pure functions behind landing)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orchestration.lake.attribute_keys import is_content_key
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.lake.semantics import extract_llm_columns, resource_fallbacks


@pytest.mark.parametrize(
    "attrs, expected",
    [
        (
            {
                "gen_ai.provider.name": "OpenAI",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": "30",
                "gen_ai.usage.cache_read.input_tokens": 100,
                "gen_ai.response.time_to_first_chunk": 0.25,
            },
            {
                "llm_convention": "genai",
                "span_type": "llm",
                "gen_ai_provider": "openai",
                "input_tokens": 120,
                "output_tokens": 30,
                "cache_read_tokens": 100,
                "ttft_ms": 250.0,
            },
        ),
        (
            {
                "gen_ai.system": "anthropic",
                "gen_ai.usage.prompt_tokens": 7,
                "gen_ai.usage.completion_tokens": 3,
                "gen_ai.request.model": "claude-sonnet-4-20250514",
            },
            {
                "llm_convention": "genai",
                "gen_ai_provider": "anthropic",
                "input_tokens": 7,
                "output_tokens": 3,
            },
        ),
        (
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.provider": "openai",
                "llm.token_count.prompt": 50,
                "llm.token_count.completion": 5,
                "llm.cost.total": 0.0012,
            },
            {
                "llm_convention": "openinference",
                "span_type": "llm",
                "request_model": "gpt-4o-mini",
                "input_tokens": 50,
                "reported_cost_usd": Decimal("0.001200000"),
            },
        ),
        (
            {
                "traceloop.span.kind": "task",
                "gen_ai.system": "OpenAI",
                "llm.request.type": "chat",
                "gen_ai.request.model": "gpt-4o",
                "llm.usage.total_tokens": 99,
            },
            {"llm_convention": "openllmetry", "gen_ai_operation": "chat", "total_tokens": 99},
        ),
        (
            {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"},
            {"span_type": "tool", "tool_name": "search"},
        ),
        (
            {"gen_ai.prompt.version": "v7", "gen_ai.prompt.id": "support-answer"},
            {"prompt_version": "v7", "prompt_id": "support-answer"},
        ),
        (  # an evaluator span's result lands on the span (int_evaluations reads it from there)
            {"openinference.span.kind": "EVALUATOR", "eval.name": "faithfulness", "eval.score": "0.4"},
            {"span_type": "evaluator", "eval_name": "faithfulness", "eval_score": 0.4},
        ),
        (
            {"gen_ai.evaluation.name": "context_recall", "gen_ai.evaluation.score.label": "partial"},
            {"eval_name": "context_recall", "eval_label": "partial"},
        ),
    ],
)
def test_conventions_map_to_the_same_columns(attrs, expected):
    row = extract_llm_columns(dict(attrs), {})
    for column, value in expected.items():
        assert row.get(column) == value, column


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "inf", "Infinity", "NaN"])
def test_a_count_that_is_not_finite_is_no_count(value):
    row = extract_llm_columns({"gen_ai.usage.input_tokens": value, "gen_ai.usage.output_tokens": 7}, {})
    assert row.get("input_tokens") is None
    assert row["output_tokens"] == 7


def test_resource_supplies_missing_provider_and_feature():
    defaults = resource_fallbacks({"gen_ai.system": "Bedrock", "app.feature": "search", "SampleRate": 10})
    row = extract_llm_columns({"gen_ai.request.model": "m"}, defaults)
    assert (row["gen_ai_provider"], row["feature"], row["sample_rate"]) == ("bedrock", "search", 10.0)
    assert extract_llm_columns({"app.feature": "chat"}, defaults)["feature"] == "chat"  # the span wins


def test_content_keys_are_text_not_metadata():
    assert is_content_key("gen_ai.prompt.0.content") and is_content_key("input.value")
    assert is_content_key("llm.output_messages.0.message.content")
    assert not is_content_key("gen_ai.prompt.version") and not is_content_key("gen_ai.request.model")
    # retrieved documents: ids and scores are metadata for retrieval analytics, the text is content
    assert not is_content_key("retrieval.documents.3.document.id")
    assert not is_content_key("reranker.output_documents.0.document.score")
    assert is_content_key("retrieval.documents.3.document.content")
    assert is_content_key("retrieval.documents.3.document.metadata")


def test_privacy_filter_hashes_ids_and_drops_text():
    hasher = SubjectHasher(b"k")
    attrs = {
        "user.id": "alice@example.com",
        "session.id": "s-1",
        "input.value": "hello there",
        "output.value": "hi!",
        "metadata": '{"user_id": "alice@example.com", "plan": "pro"}',
        "n": 1,
    }
    result = AttributeFilter(hasher, keep_content=False, hash_sessions=True, max_value_chars=100).apply(attrs)
    assert result.user_hash == hasher("alice@example.com") == attrs["user.id"]
    assert result.session_hash == hasher("s-1")
    assert "input.value" not in attrs and "output.value" not in attrs
    assert (result.input_chars, result.output_chars) == (11, 3)
    assert "alice" not in attrs["metadata"] and '"plan":"pro"' in attrs["metadata"]
    assert result.content == [] and result.content_hmac
    # The same ids under another key give the same hash; another deployment key gives another.
    assert SubjectHasher(b"other")("alice@example.com") != result.user_hash
