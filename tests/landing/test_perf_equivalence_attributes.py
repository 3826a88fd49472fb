"""The inlined attribute reader (`AttributeFilter.read`) equals decode → filter → collect hits on any input,
malformed ones included: same attributes, hashes, lengths, hits, and the same error for the same item."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orchestration.lake import semantics
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.otlp.values import FieldError, decode_attribute_pairs, decode_attributes

KEYS = [
    "user.id",
    "session.id",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "metadata",
    "gen_ai.request.model",
    "llm.model_name",
    "gen_ai.usage.input_tokens",
    "tenant.id",
    "app.feature",
    "gen_ai.prompt.0.content",
    "gen_ai.usage.cost",
    "gen_ai.request.stream",
    "sampling.rate",
    "http.route",
    "other.key",
]
scalars = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.just("y" * 80),
    st.integers(-(2**64), 2**64),
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
any_values = st.one_of(
    st.none(),
    scalars,
    st.just({}),
    st.builds(
        lambda kind, inner: {kind: inner},
        st.sampled_from(
            [
                "stringValue",
                "intValue",
                "boolValue",
                "doubleValue",
                "bytesValue",
                "arrayValue",
                "kvlistValue",
                "string_value",
                "int_value",
                "unknown",
            ]
        ),
        scalars,
    ),
    st.builds(lambda a, b: {"stringValue": a, "intValue": b}, st.text(max_size=3), st.integers()),
    st.lists(st.integers(0, 10).map(lambda i: {"intValue": str(i)}), max_size=3).map(
        lambda v: {"arrayValue": {"values": v}}
    ),
    st.just({"stringValue": '{"user_id": "u-1", "plan": "pro"}'}),
    st.just({"arrayValue": {"values": [{"stringValue": "z" * 30}] * 3}}),  # over the cap once encoded
    st.just({"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "z" * 50}}]}}),
)
items = st.one_of(
    st.builds(lambda k, v: {"key": k, "value": v}, st.sampled_from(KEYS), any_values),
    st.builds(lambda k: {"key": k}, st.sampled_from(KEYS)),
    st.sampled_from(
        [{"key": 1, "value": {"stringValue": "x"}}, {"value": {"stringValue": "x"}}, "text", 3, None, []]
    ),
)
attribute_lists = st.one_of(
    st.lists(items, max_size=8), st.sampled_from([None, "", 0, {}, "attrs", {"a": 1}, 5])
)


def _outcome(run):
    try:
        redacted = run()
    except Exception as err:  # noqa: BLE001 - decoder gaps (e.g. AttributeError) must match too
        return "error", type(err).__name__, str(err)
    best, flags = semantics.collect_hits(redacted.attributes)
    return (
        redacted.attributes,
        redacted.user_hash,
        redacted.session_hash,
        redacted.input_chars,
        redacted.output_chars,
        redacted.content,
        redacted.content_parts,
        redacted.content_hmac,
        redacted.truncated,
        semantics.llm_columns(best, flags, redacted.attributes, {}),
    )


@hsettings(max_examples=500, deadline=None)
@given(attributes=attribute_lists, keep_content=st.booleans())
def test_read_equals_the_three_step_reference(attributes, keep_content):
    def new_filter():  # small cap so truncation runs too
        return AttributeFilter(
            SubjectHasher(b"k"), keep_content=keep_content, hash_sessions=True, max_value_chars=40
        )

    fused_filter = new_filter()
    fused = _outcome(lambda: fused_filter.read(copy.deepcopy(attributes), "attributes"))
    reference = _outcome(
        lambda: new_filter().apply(decode_attributes(copy.deepcopy(attributes), "attributes"))
    )
    assert fused == reference
    if fused[0] != "error":
        read = fused_filter.read(copy.deepcopy(attributes), "attributes")
        assert semantics.llm_columns(read.llm_best, read.llm_flags, read.attributes, {}) == fused[-1]


@hsettings(max_examples=300, deadline=None)
@given(attributes=attribute_lists)
def test_decode_attribute_pairs_matches_the_general_decoder(attributes):
    """The scalar fast paths give what `decode_any_value` gives."""
    from orchestration.otlp.values import decode_any_value

    def reference():
        if not attributes:
            return []
        if not isinstance(attributes, list):
            raise FieldError(
                "attributes", f"expected a list of key/value pairs, got {type(attributes).__name__}"
            )
        out = []
        for item in attributes:
            if type(item) is not dict:
                raise FieldError("attributes", "attribute is not an object")
            if type(item.get("key")) is not str:
                raise FieldError("attributes", "attribute without a string key")
            out.append((item["key"], decode_any_value(item.get("value"), f"attributes[{item['key']}]")))
        return out

    def outcome(run):
        try:
            return run()
        except Exception as err:  # noqa: BLE001 - decoder gaps (e.g. AttributeError) must match too
            return "error", type(err).__name__, str(err)

    assert repr(outcome(lambda: list(decode_attribute_pairs(attributes)))) == repr(outcome(reference))
