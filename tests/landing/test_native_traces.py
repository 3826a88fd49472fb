"""The native trace decoder (native/decoder.py, native/cpp/) against the Python path it stands in for.

Every line the native decoder takes must give the rows `Normalizer.traces` gives, column for column and
byte for byte (attribute JSON included); every line it refuses lands through the Python path. Checked
on hand-written edge cases, on fuzzed spans (hypothesis) and end to end: generated data landed both ways
gives the same lake.
"""

from __future__ import annotations

import base64
import shutil
from datetime import date
from pathlib import Path

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.generator import GeneratorConfig, generate
from orchestration.lake import attribute_keys, semantics
from orchestration.lake.privacy import AttributeFilter
from orchestration.lake.schema import LAKE_TABLES
from orchestration.native import decoder as native
from orchestration.native.decoder import NativeDecoder
from tests.landing.native_both_ways import (
    MAX_CHARS,
    TABLES,
    assert_same_rows,
    decoder_filter,
    needs_native,
    same_lake_both_ways,
)

pytestmark = needs_native


def _filter() -> AttributeFilter:
    return decoder_filter()


def assert_same_lines(lines: list[bytes], native_hmac: bool = True) -> list[tuple]:
    """The rows of the lines the native decoder takes are the Python path's; returns the lines it refused."""
    block = b"".join(line + b"\n" for line in lines)
    decoded = NativeDecoder(_filter(), native_hmac).decode_lines(block, 1, "file-1")
    refused = {r[0] for r in decoded.refused}
    taken = [(f"line {n}", orjson.loads(line)) for n, line in enumerate(lines, 1) if n not in refused]
    assert_same_rows(decoded, taken)
    return decoded.refused


def _span(attributes: list[dict], **fields) -> dict:
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "chat",
        "kind": 3,
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": "1767225601500000000",
        "attributes": attributes,
    }
    span.update(fields)
    return span


def _request(spans: list[dict], resource: list[dict] | None = None, **extra) -> bytes:
    return orjson.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": resource or [{"key": "service.name", "value": {"stringValue": "api"}}]
                    },
                    "scopeSpans": [{"scope": {"name": "s", "version": "1"}, "spans": spans}],
                    **extra,
                }
            ]
        }
    )


def s(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def kv(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


EDGE_CASES = [
    # ids and enums as real producers write them
    _request(
        [
            _span(
                [s("gen_ai.request.model", "m")],
                traceId="5B8EFFF798038103D269B633813FC60C",
                spanId=base64.b64encode(bytes.fromhex("eee19b7ec3c1b174")).decode(),
                kind="SPAN_KIND_SERVER",
                status={"code": "STATUS_CODE_ERROR", "message": "boom"},
            )
        ]
    ),
    _request(
        [
            _span(
                [],
                traceId=base64.b64encode(bytes(range(16))).decode(),
                kind="CLIENT",
                status={"code": 2},
                parentSpanId="",
                endTimeUnixNano=0,
            )
        ]
    ),
    _request(
        [
            _span(
                [],
                startTimeUnixNano=1767225600000000000,
                endTimeUnixNano=1767225500000000000,
                flags=257,
                traceState="a=b",
                droppedAttributesCount=3,
            )
        ]
    ),
    # typed columns from every value kind, with Python's conversions
    _request(
        [
            _span(
                [
                    kv("gen_ai.usage.input_tokens", {"intValue": "1200"}),
                    kv("gen_ai.usage.output_tokens", {"doubleValue": 2.5}),
                    s("gen_ai.usage.cache_read.input_tokens", "12.9"),
                    s("llm.token_count.total", "-7"),
                    kv("gen_ai.usage.cost", {"doubleValue": 0.1 + 0.2}),
                    s("gen_ai.request.stream", " Yes "),
                    kv("gen_ai.response.time_to_first_chunk", {"doubleValue": 1.25e-05}),
                    kv("gen_ai.provider.name", {"stringValue": "OpenAI"}),
                    kv(
                        "gen_ai.response.finish_reasons",
                        {
                            "arrayValue": {
                                "values": [
                                    {"stringValue": "stop"},
                                    {"intValue": 3},
                                    {"boolValue": True},
                                    {"doubleValue": 1e16},
                                ]
                            }
                        },
                    ),
                    kv("http.response.status_code", {"doubleValue": 3.5}),
                    kv("sampling.rate", {"intValue": 4}),
                    kv("gen_ai.request.is_fallback", {"intValue": 0}),
                    s("eval.score", "1e-7"),
                ]
            )
        ]
    ),
    _request(
        [
            _span(
                [
                    s("llm.cost.total", "12345678901.1234567895"),
                    s("llm.time_to_first_token_ms", "250"),
                    kv("gen_ai.request.retry_attempt", {"doubleValue": 2.5}),
                    s("llm.is_streaming", "no"),
                    kv("gen_ai.operation.name", {"stringValue": "Chat"}),
                    kv("feedback.score", {"boolValue": True}),
                    kv("temperature", {"doubleValue": 1e-06}),
                    kv("big", {"doubleValue": 1.5e300}),
                    kv("int64", {"intValue": "18446744073709551615"}),
                    kv("empty", {}),
                    kv("nothing", {"stringValue": ""}),
                ]
            )
        ]
    ),
    _request(
        [
            _span(
                [
                    kv("gen_ai.usage.cost", {"intValue": "3"}),
                    s("openinference.span.kind", "TOOL"),
                    s("gen_ai.usage.cost", "x"),
                ]
            )
        ]
    ),  # a repeated key: refused, then the Python path
    _request(
        [
            _span(
                [
                    kv("llm.cost.total", {"doubleValue": 1e22}),
                    s("traceloop.span.kind", "workflow"),
                    kv("openinference.span.kind", {"intValue": 0}),
                ]
            )
        ]
    ),
    # privacy: ids hashed, content dropped with its length and hash, metadata redacted
    _request(
        [
            _span(
                [
                    s("user.id", "alice@example.com"),
                    s("session.id", "sess-1"),
                    s("gen_ai.conversation.id", "c"),
                    s("gen_ai.input.messages", "héllo \u2028 wörld"),
                    s("gen_ai.output.messages", "ok"),
                    kv("retrieval.documents.0.document.score", {"doubleValue": 0.87}),
                    kv("retrieval.documents.0.document.id", {"intValue": 5}),
                    s("metadata", '{"user_id": "bob", "tier": "gold"}'),
                    s("metadata2", "x" * (MAX_CHARS + 1)),
                ]
            )
        ]
    ),
    _request(
        [
            _span(
                [
                    s("metadata", '{"user_id": "bob"'),
                    s("gen_ai.prompt.0.content", "hi"),
                    s("gen_ai.prompt.id", "p-1"),
                    s("enduser.id", ""),
                ]
            )
        ]
    ),
    _request([_span([kv("user.id", {"intValue": 7})])]),  # a non-string id: refused
    _request([_span([s("long", "é" * MAX_CHARS)])]),  # at the cap in characters, over it in bytes
    # escapes and unicode survive the JSON round trip
    _request(
        [
            _span(
                [s("q", 'quote " backslash \\ nul \u0000 tab \t bell \u0007 del \u007f emoji 🙂')],
                name='naïve "span"',
            )
        ]
    ),
    # trace context: tenant, feature and user from the root fill the spans below
    _request(
        [
            _span(
                [s("tenant.id", "acme"), s("app.feature", "search"), s("user.id", "u1")],
                spanId="0000000000000001",
            ),
            _span(
                [s("gen_ai.request.model", "m")],
                spanId="0000000000000002",
                parentSpanId="0000000000000001",
                events=[
                    {
                        "name": "gen_ai.content.completion",
                        "timeUnixNano": "1767225600500000000",
                        "attributes": [s("gen_ai.completion", "answer")],
                    },
                    {"name": "exception", "attributes": [s("exception.type", "E")]},
                ],
                links=[
                    {
                        "traceId": "5b8efff798038103d269b633813fc60d",
                        "spanId": "eee19b7ec3c1b175",
                        "attributes": [s("k", "v")],
                        "flags": 1,
                    }
                ],
            ),
            _span([], traceId="00000000000000000000000000000001", spanId="0000000000000003"),
        ],
        resource=[
            s("service.name", "api"),
            s("deployment.environment", "prod"),
            s("tenant.id", "from-resource"),
            s("app.team", "core"),
            kv("sampling.rate", {"doubleValue": 0.5}),
        ],
        schemaUrl="https://x",
    ),
    # what the Python path quarantines or reads leniently: refused here, landed or quarantined there
    _request([_span([], traceId="xyz")]),
    _request([_span([], startTimeUnixNano="5")]),
    _request([_span([kv("k", {"kvlistValue": {"values": [s("a", "b")]}})])]),
    _request([_span([], trace_id="5b8efff798038103d269b633813fc60c")]),
    orjson.dumps({"resourceLogs": []}),
    orjson.dumps({"resourceSpans": None}),
]


@pytest.mark.parametrize("native_hmac", [True, False], ids=["hmac-in-cpp", "hmac-through-python"])
def test_edge_cases_give_the_python_paths_rows(native_hmac):
    refused = assert_same_lines(EDGE_CASES, native_hmac)
    reasons = {line: why for line, _, _, why in refused}
    # the cases above that must take the Python path do, and no others
    assert set(reasons) == {6, 8, 10, 14, 15, 17}, reasons
    assert reasons[6] == "a repeated attribute key"
    assert reasons[8] == "a value to cap"
    assert reasons[15] == "a timestamp out of range"


_KEYS = sorted(
    {k for keys, _, _ in semantics.LLM_COLUMNS.values() for k in keys}
    | set(attribute_keys.TENANT_KEYS)
    | {
        "service.name",
        "user.id",
        "session.id",
        "gen_ai.input.messages",
        "gen_ai.completion.0.content",
        "metadata",
        "openinference.span.kind",
        "traceloop.span.kind",
        "plain",
        "other.key",
    }
)
_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "-3",
            "2.5",
            "1e3",
            " true ",
            "NO",
            "chat",
            "LLM",
            "tool",
            "workflow",
            "0.000000001",
            "99999999999999999999",
            '{"user_id": "u"}',
            "x",
        ]
    ),
    st.text(max_size=12),
)
_ANY = st.one_of(
    st.builds(lambda v: {"stringValue": v}, _TEXT),
    st.builds(lambda v: {"intValue": v}, st.integers(-(2**63), 2**64 - 1)),
    st.builds(lambda v: {"intValue": str(v)}, st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda v: {"doubleValue": v}, st.floats(allow_nan=False, allow_infinity=False)),
    st.builds(lambda v: {"boolValue": v}, st.booleans()),
    st.builds(
        lambda v: {"arrayValue": {"values": [{"stringValue": x} for x in v]}}, st.lists(_TEXT, max_size=3)
    ),
)
_ATTRS = st.lists(st.builds(kv, st.sampled_from(_KEYS), _ANY), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_ATTRS, st.booleans(), st.sampled_from([0, 1, 2, 3, "SPAN_KIND_CLIENT", "SERVER"])),
        min_size=1,
        max_size=4,
    ),
    _ATTRS,
)
def test_fuzzed_spans_give_the_python_paths_rows(spans, resource):
    lines = [
        _request(
            [
                _span(
                    attrs,
                    spanId=f"{i + 1:016x}",
                    kind=kind,
                    **({"parentSpanId": "0000000000000001"} if child else {}),
                )
                for i, (attrs, child, kind) in enumerate(spans)
            ],
            resource=resource,
        )
    ]
    assert_same_lines(lines)


def test_generated_data_lands_the_same_lake_both_ways(tmp_path: Path):
    inbox = tmp_path / "inbox"
    generate(
        GeneratorConfig(
            out_dir=inbox, days=2, start_date=date(2026, 3, 1), tenants=3, requests_per_day=120, seed=11
        )
    )
    # the generator's trace lines are all the native decoder's
    for path in inbox.glob("traces-*.jsonl"):
        decoded = NativeDecoder(_filter()).decode_lines(path.read_bytes(), 1, "f")
        assert decoded.records > 0 and decoded.refused == []
    # and lines it refuses, some of which the Python path quarantines, in the same file as lines it takes
    (inbox / "edge.jsonl").write_bytes(b"\n".join([*EDGE_CASES, b"{not json", *EDGE_CASES[:3]]) + b"\n")
    counts = same_lake_both_ways(inbox, tmp_path)
    assert counts["spans"] > 1000 and counts["logs"] > 100 and counts["metric_points"] > 100
    assert counts["quarantine"] == 3  # the malformed line, the bad trace id, the timestamp out of range


def test_arrow_types_match_the_lake_schema():
    tables = NativeDecoder(_filter()).decode_lines(EDGE_CASES[12] + b"\n", 1, "f").tables
    for table in TABLES[:3]:
        assert tables[table].drop_columns(["_day"]).schema.equals(LAKE_TABLES[table]), table
        assert tables[table]["_day"].type == pa.int32()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(-2, 70), st.one_of(st.none(), st.integers(-2, 70)))
def test_newlines_are_counted_as_bytes_count_does(data, start, end):
    start = max(start, 0)
    expected = data.count(b"\n", start, len(data) if end is None else max(end, 0))
    assert native.count_newlines(data, start, None if end is None else max(end, 0)) == expected


def test_a_build_from_another_source_is_not_used(tmp_path, monkeypatch):
    """As for the Cython modules: an edit of the C++ (a header included) not yet rebuilt runs the Python path."""
    sources = tmp_path / "cpp"
    shutil.copytree(native.SOURCES, sources)
    monkeypatch.setattr(native, "SOURCES", sources)

    def fresh_status() -> str:
        monkeypatch.setattr(native, "_status", "")
        monkeypatch.setattr(native, "_module", None)
        return native.status()

    assert fresh_status() == "compiled"
    (sources / "arena.h").write_text((sources / "arena.h").read_text() + "\n// an edit\n")
    assert fresh_status().startswith("stale")
    assert not native.available()


def test_a_decoder_is_freed_with_its_task():
    """A landing task's decoder (its memos and arena) goes when the task drops it: the C++ decoder must
    not hold a method of it (a cycle its type cannot collect leaked every task's decoder)."""
    import gc
    import weakref

    decoder = NativeDecoder(_filter())
    assert decoder.decode_lines(b"\n".join(EDGE_CASES[:3]) + b"\n", 1, "f").records > 0
    freed = weakref.ref(decoder)
    del decoder
    gc.collect()
    assert freed() is None
