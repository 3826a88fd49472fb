"""Property-based fuzzing of the decoders: never a crash, always a reconciled count."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orchestration.landing import land
from orchestration.settings import Settings

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=20).map(lambda b: b.hex()),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "traceId",
                    "spanId",
                    "name",
                    "kind",
                    "startTimeUnixNano",
                    "attributes",
                    "key",
                    "value",
                    "stringValue",
                    "intValue",
                    "arrayValue",
                    "values",
                    "resourceSpans",
                    "scopeSpans",
                    "spans",
                    "resourceLogs",
                    "scopeLogs",
                    "logRecords",
                    "timeUnixNano",
                    "body",
                    "resourceMetrics",
                    "scopeMetrics",
                    "metrics",
                    "sum",
                    "dataPoints",
                    "asInt",
                    "status",
                    "code",
                    "events",
                    "links",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)

VALID_SPAN = {
    "traceId": "5b8efff798038103d269b633813fc60c",
    "spanId": "eee19b7ec3c1b174",
    "name": "ok",
    "startTimeUnixNano": "1764000000000000000",
    "endTimeUnixNano": "1764000001000000000",
}


def _mutated_request(mutation: dict) -> dict:
    span = {**VALID_SPAN, **mutation}
    return {"resourceSpans": [{"scopeSpans": [{"spans": [span, VALID_SPAN]}]}]}


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.one_of(
            json_values.map(lambda v: json.dumps(v)),
            st.dictionaries(
                st.sampled_from([*VALID_SPAN, "kind", "attributes", "status", "events"]),
                json_values,
                max_size=3,
            ).map(lambda m: json.dumps(_mutated_request(m))),
            st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_input_reconciles(tmp_path_factory, lines):
    data = tmp_path_factory.mktemp("fuzz")
    settings = Settings.from_env(data / "data")
    settings.inbox_dir.mkdir(parents=True)
    (settings.inbox_dir / "fuzz.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape"
    )
    # final: the writer is done (a file that merely looks cut, e.g. junk read as a framed message longer
    # than the file, would otherwise wait for its end: tests/landing/test_live_writers.py)
    report = land(settings, settle_seconds=0, final=True)
    for outcome in report.files:
        assert outcome.records_in == outcome.records_landed + outcome.records_quarantined
    [outcome] = report.files  # the file is accounted for, even when it held no records at all
    assert outcome.outcome in ("landed", "empty")


@hsettings(max_examples=25, deadline=None)
@given(blob=st.binary(min_size=1, max_size=400))
def test_arbitrary_bytes_never_crash(tmp_path_factory, blob):
    data = tmp_path_factory.mktemp("bytes")
    settings = Settings.from_env(data / "data")
    settings.inbox_dir.mkdir(parents=True)
    (settings.inbox_dir / "blob.bin").write_bytes(blob)
    report = land(settings, settle_seconds=0, final=True)
    [outcome] = report.files
    assert outcome.records_in == outcome.records_landed + outcome.records_quarantined


# --- the fused attribute reader equals the three-step reference -------------------------------------
ATTRIBUTE_KEYS = [
    "user.id",
    "session.id",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "metadata",
    "gen_ai.request.model",
    "llm.model_name",
    "gen_ai.usage.input_tokens",
    "llm.token_count.prompt",
    "tenant.id",
    "app.feature",
    "gen_ai.response.finish_reasons",
    "openinference.span.kind",
    "traceloop.span.kind",
    "gen_ai.prompt.0.content",
    "gen_ai.usage.cost",
    "other.key",
]
any_values = st.recursive(
    st.one_of(
        st.none(),
        st.text(max_size=30).map(lambda s: {"stringValue": s}),
        st.integers(-(2**63), 2**63 - 1).map(lambda i: {"intValue": str(i)}),
        st.integers(0, 10**6).map(lambda i: {"intValue": i}),
        st.booleans().map(lambda b: {"boolValue": b}),
        st.floats(allow_nan=False).map(lambda f: {"doubleValue": f}),
        st.just({}),
        st.just({"stringValue": '{"user_id": "u-1", "plan": "pro"}'}),
        st.just({"stringValue": "x" * 70}),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: {"arrayValue": {"values": v}}),
        st.lists(st.tuples(st.sampled_from(ATTRIBUTE_KEYS), inner), max_size=3).map(
            lambda kv: {"kvlistValue": {"values": [{"key": k, "value": v} for k, v in kv]}}
        ),
    ),
    max_leaves=6,
)


@hsettings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.tuples(st.sampled_from(ATTRIBUTE_KEYS), any_values), max_size=8),
    keep_content=st.booleans(),
)
def test_fused_attribute_reader_matches_reference(items, keep_content):
    import copy

    from orchestration.lake import semantics
    from orchestration.lake.privacy import AttributeFilter, SubjectHasher
    from orchestration.otlp.values import decode_attributes

    attributes = [{"key": k, "value": v} for k, v in items]

    def new_filter():  # small cap so the truncation path runs too
        return AttributeFilter(
            SubjectHasher(b"k"), keep_content=keep_content, hash_sessions=True, max_value_chars=64
        )

    fused = new_filter().read(copy.deepcopy(attributes))
    reference = new_filter().apply(decode_attributes(copy.deepcopy(attributes)))
    assert fused.attributes == reference.attributes
    for name in (
        "user_hash",
        "session_hash",
        "input_chars",
        "output_chars",
        "content",
        "content_hmac",
        "truncated",
    ):
        assert getattr(fused, name) == getattr(reference, name), name
    assert semantics.llm_columns(
        fused.llm_best, fused.llm_flags, fused.attributes, {}
    ) == semantics.extract_llm_columns(reference.attributes, {})
