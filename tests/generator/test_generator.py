"""Generator contract: determinism, every format decodes to the same data, and the summary is exact."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from conftest import START, small_config
from gen_readers import (
    attrs,
    iter_json_logs,
    iter_json_metrics,
    iter_json_spans,
    json_documents,
    proto_messages,
)

from orchestration.generator import FORMATS, GeneratorConfig, generate, write_summary
from orchestration.generator.second_observers import SDK_SCOPES
from orchestration.lake import attribute_keys, semantics

NS = 1_000_000_000


def _jsonl_docs(summary, signal):
    for path in summary.files_for("jsonl", signal):
        yield from json_documents(path, "jsonl")


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path) -> None:
    fast = {"days": 1, "requests_per_day": 60, "formats": FORMATS, "traces_per_file": 40}
    a = generate(small_config(tmp_path / "a", **fast))
    b = generate(small_config(tmp_path / "b", **fast))
    generate(small_config(tmp_path / "c", seed=8, **fast))
    names_a = sorted(Path(f.path).name for f in a.files)
    assert names_a == sorted(Path(f.path).name for f in b.files)
    assert len(names_a) == len(set(names_a)) > 0
    for name in names_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.to_dict() | {"config": None, "files": None} == b.to_dict() | {"config": None, "files": None}
    differs = [
        n
        for n in names_a
        if (tmp_path / "c" / n).exists()
        and (tmp_path / "a" / n).read_bytes() != (tmp_path / "c" / n).read_bytes()
    ]
    assert differs, "a different seed must give different data"


def test_every_format_decodes_to_the_same_records(all_formats) -> None:
    _config, summary = all_formats
    expected = {"traces": summary.spans, "logs": summary.log_records, "metrics": summary.metric_points}
    seen: dict[str, dict[str, object]] = {}
    for fmt in FORMATS:
        for signal in ("traces", "logs", "metrics"):
            files = summary.files_for(fmt, signal)
            assert files, (fmt, signal)
            messages = [m for path in files for m in proto_messages(path, fmt, signal)]
            if signal == "traces":
                spans = [
                    s for m in messages for rs in m.resource_spans for ss in rs.scope_spans for s in ss.spans
                ]
                key = sorted(
                    (
                        s.trace_id.hex(),
                        s.span_id.hex(),
                        s.parent_span_id.hex(),
                        s.name,
                        s.start_time_unix_nano,
                        s.end_time_unix_nano,
                        len(s.attributes),
                    )
                    for s in spans
                )
                assert sum(len(s.events) for s in spans) == summary.span_events
                assert sum(len(s.links) for s in spans) == summary.span_links
            elif signal == "logs":
                records = [
                    r
                    for m in messages
                    for rl in m.resource_logs
                    for sl in rl.scope_logs
                    for r in sl.log_records
                ]
                key = sorted(
                    (r.time_unix_nano, r.event_name, r.trace_id.hex(), r.span_id.hex(), len(r.attributes))
                    for r in records
                )
            else:
                metrics = [
                    mt
                    for m in messages
                    for rm in m.resource_metrics
                    for sm in rm.scope_metrics
                    for mt in sm.metrics
                ]
                key = sorted(
                    (mt.name, p.time_unix_nano, len(p.attributes))
                    for mt in metrics
                    for p in getattr(mt, mt.WhichOneof("data")).data_points
                )
            assert len(key) == expected[signal], (fmt, signal)
            if fmt in ("json", "proto"):
                assert all(len(proto_messages(p, fmt, signal)) == 1 for p in files)  # one document per file
            seen.setdefault(signal, {})[fmt] = key
    for signal, by_format in seen.items():
        reference = by_format["jsonl"]
        for fmt, key in by_format.items():
            assert key == reference, f"{signal}: {fmt} differs from jsonl"
    assert sum(1 for _ in _jsonl_docs(summary, "traces")) == summary.messages["traces"]


def test_json_follows_the_otlp_json_mapping(all_formats) -> None:
    _, summary = all_formats
    doc = next(iter(_jsonl_docs(summary, "traces")))
    _, span = next(iter_json_spans(doc))
    assert len(span["traceId"]) == 32 and int(span["traceId"], 16)
    assert len(span["spanId"]) == 16 and int(span["spanId"], 16)
    assert isinstance(span["kind"], int) and isinstance(span["startTimeUnixNano"], str)
    ints = [
        kv["value"]["intValue"]
        for _, s in iter_json_spans(doc)
        for kv in s["attributes"]
        if "intValue" in kv["value"]
    ]
    assert ints and all(isinstance(v, str) for v in ints)
    pretty = summary.files_for("json", "traces")[0].read_text()
    assert pretty.startswith("{\n  ")


def test_files_are_atomic_and_summary_is_not_in_out_dir(all_formats, tmp_path: Path) -> None:
    config, summary = all_formats
    on_disk = sorted(p.name for p in config.out_dir.iterdir())
    assert not [n for n in on_disk if n.startswith(".")], "temp files left behind"
    assert on_disk == sorted(Path(f.path).name for f in summary.files)
    assert all(n.split("-")[0] in ("traces", "logs", "metrics") for n in on_disk)
    target = write_summary(summary, tmp_path / "report" / "summary.json")
    loaded = json.loads(target.read_text())
    assert (
        loaded["spans"] == summary.spans and Decimal(loaded["reported_cost_usd"]) == summary.reported_cost_usd
    )
    assert loaded["tenants"] == sorted(summary.tenants)


def test_timestamps_inside_the_requested_days_and_nested(all_formats) -> None:
    config, summary = all_formats
    low = int(datetime(START.year, START.month, START.day, tzinfo=UTC).timestamp()) * NS
    high = low + config.days * 86_400 * NS
    by_trace: dict[str, dict[str, dict]] = {}
    roots = 0
    for doc in _jsonl_docs(summary, "traces"):
        for _, s in iter_json_spans(doc):
            start, end = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
            assert low <= start <= end < high
            by_trace.setdefault(s["traceId"], {})[s["spanId"]] = s
            roots += "parentSpanId" not in s
            for e in s.get("events", []):
                assert start <= int(e["timeUnixNano"]) <= end
    for spans in by_trace.values():
        for s in spans.values():
            parent = spans.get(s.get("parentSpanId", ""))
            if "parentSpanId" in s:
                assert parent is not None, "dangling parent"
                assert int(parent["startTimeUnixNano"]) <= int(s["startTimeUnixNano"])
                assert int(s["endTimeUnixNano"]) <= int(parent["endTimeUnixNano"])
    # requests_per_day is the traffic; the sampled tenants' samplers dropped some of its traces
    dropped = summary.sampling["requests_dropped"]
    assert dropped > 0
    assert roots == summary.requests == len(by_trace) == config.days * config.requests_per_day - dropped
    for doc in _jsonl_docs(summary, "logs"):
        for _, r in iter_json_logs(doc):
            assert low <= int(r["timeUnixNano"]) < high
    for doc in _jsonl_docs(summary, "metrics"):
        for _, m in iter_json_metrics(doc):
            data = next(v for v in m.values() if isinstance(v, dict))
            for p in data["dataPoints"]:
                assert low <= int(p["timeUnixNano"]) <= high
    assert low <= summary.first_time_unix_nano <= summary.last_time_unix_nano < high


class _Row(dict):
    """The landing leaves absent columns out of its row (null in the lake)."""

    def __missing__(self, key):
        return None


def _resource_defaults(resource):
    fallbacks = getattr(semantics, "resource_fallbacks", None)
    return fallbacks(resource) if fallbacks else resource


def _llm_rows(summary):
    """One row per LLM call: the second observer of a call (the provider SDK's own span) and the Vercel
    AI SDK's outer spans (which sum their steps) are not calls of their own."""
    for doc in _jsonl_docs(summary, "traces"):
        for resource, s in iter_json_spans(doc, skip_scopes=tuple(scope for scope, _ in SDK_SCOPES.values())):
            a = attrs(s["attributes"])
            defaults = _resource_defaults(resource)
            cols = _Row(semantics.extract_llm_columns(a, defaults))
            if cols["span_type"] == "llm" and ".do" in a.get("ai.operationId", ".do"):
                yield s, a, cols


def test_every_llm_call_has_a_model_and_tokens(all_formats) -> None:
    _, summary = all_formats
    rows = list(_llm_rows(summary))
    assert len(rows) == summary.llm_calls
    errors = 0
    for span, a, cols in rows:
        assert cols["request_model"], a
        assert cols["gen_ai_provider"], a
        if span["status"].get("code") == 2:
            errors += 1
            assert cols["error_type"]
            continue
        assert cols["input_tokens"] is not None and cols["output_tokens"] is not None, a
        assert cols["input_tokens"] >= (cols["cache_read_tokens"] or 0) + (cols["cache_write_tokens"] or 0)
        assert cols["response_model"] or cols["llm_convention"] == "openinference"  # OI: llm.model_name only
    assert errors == summary.llm_error_calls


def test_summary_token_and_cost_sums_match_a_recount(all_formats) -> None:
    _, summary = all_formats
    sums = Counter()
    cost, cost_calls = Decimal(0), 0
    for _, _, cols in _llm_rows(summary):
        for col in (
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
        ):
            sums[col] += cols[col] or 0
        if cols["reported_cost_usd"] is not None:
            cost += cols["reported_cost_usd"]
            cost_calls += 1
    assert sums["input_tokens"] == summary.input_tokens > 0
    assert sums["output_tokens"] == summary.output_tokens > 0
    assert sums["cache_read_tokens"] == summary.cache_read_tokens > 0
    assert sums["cache_write_tokens"] == summary.cache_write_tokens > 0
    assert sums["reasoning_tokens"] == summary.reasoning_tokens > 0
    assert cost == summary.reported_cost_usd and cost_calls == summary.reported_cost_calls > 0
    assert 0.15 < cost_calls / summary.llm_calls < 0.45


def test_behaviours_and_conventions_are_all_present(all_formats) -> None:
    _, summary = all_formats
    conventions, providers, models, finish = Counter(), Counter(), Counter(), Counter()
    flags = Counter()
    for span, _, cols in _llm_rows(summary):
        conventions[cols["llm_convention"]] += 1
        providers[cols["gen_ai_provider"]] += 1
        models[cols["request_model"]] += 1
        finish[cols["finish_reasons"]] += 1
        flags["retry"] += bool(cols["retry_attempt"])
        flags["fallback"] += bool(cols["is_fallback"])
        flags["ttft"] += cols["ttft_ms"] is not None
        flags["exception"] += any(e["name"] == "exception" for e in span.get("events", []))
    assert set(conventions) == {"genai", "openinference", "openllmetry"}
    assert {"openai", "anthropic", "gcp.vertex_ai", "aws.bedrock"} <= set(providers)
    assert "acme-finetune-v3" in models and summary.unpriced_model_calls > 0
    assert {"stop", "tool_calls", "length"} <= set(finish)
    assert all(flags[k] for k in ("retry", "fallback", "ttft", "exception")), flags
    roots = [
        s
        for doc in _jsonl_docs(summary, "traces")
        for _, s in iter_json_spans(doc)
        if "parentSpanId" not in s
    ]
    root_attrs = [attrs(s["attributes"]) for s in roots]
    # one tenant's tail sampler says SampleRate=10, another's probability sampler th:c (keep 1 in 4)
    assert any(a.get("SampleRate") == 10 for a in root_attrs)
    assert any(s.get("traceState") == "ot=th:c" for s in roots)
    assert any(a.get("gen_ai.operation.name") == "invoke_agent" for a in root_attrs)
    # a request fails outright in under 1% of calls: a sample this small may have none, but never
    # another status, and the calls' own failures are there
    statuses = {a.get("http.response.status_code") for a in root_attrs}
    assert 200 in statuses and statuses <= {200, 429, 500, 504, None}, statuses
    assert summary.llm_error_calls > 0
    assert summary.span_links > 0 and summary.span_events > 0
    for name in (
        "gen_ai.evaluation.result",
        "user.feedback",
        "gen_ai.user.message",
        "gen_ai.choice",
        "",
        "claude_code.api_request",
        "claude_code.user_prompt",
        "claude_code.tool_result",
    ):
        assert summary.log_events[name] > 0, name
    kinds = Counter()
    names = set()
    for doc in _jsonl_docs(summary, "metrics"):
        for _, m in iter_json_metrics(doc):
            names.add(m["name"])
            kinds[next(k for k, v in m.items() if isinstance(v, dict))] += 1
    assert set(kinds) == {"sum", "gauge", "histogram", "exponentialHistogram", "summary"}
    assert {
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "claude_code.cost.usage",
        "claude_code.token.usage",
    } <= names


def test_claude_code_events_match_summary(all_formats) -> None:
    _, summary = all_formats
    requests, cost, tokens = 0, Decimal(0), Counter()
    for doc in _jsonl_docs(summary, "logs"):
        for resource, r in iter_json_logs(doc):
            if r.get("eventName") != "claude_code.api_request":
                continue
            a = attrs(r["attributes"])
            assert resource["service.name"] == "claude-code" and a["event.name"] == r["eventName"]
            requests += 1
            cost += semantics.as_cost(a["cost_usd"])
            tokens["input"] += a["input_tokens"]
            tokens["cache_read"] += a["cache_read_tokens"]
    assert requests == summary.claude_code["api_requests"] > 0
    assert cost == summary.claude_code_cost_usd
    assert tokens["input"] == summary.claude_code["input_tokens"]
    assert tokens["cache_read"] == summary.claude_code["cache_read_tokens"]


def _escaped(text: str, times: int) -> bytes:
    for _ in range(times):
        text = orjson.dumps(text).decode()[1:-1]
    return text.encode()


def test_private_values_are_tracked_and_content_flag_is_honoured(all_formats, tmp_path: Path) -> None:
    _, summary = all_formats
    blob = b"".join(p.read_bytes() for p in summary.files_for("jsonl"))
    assert summary.user_ids and summary.prompt_texts and summary.tenants
    assert all(
        u.encode() in blob for u in summary.user_ids
    )  # raw ids are written: the landing must hash them
    # as a JSON string, or nested once more where a convention writes the messages as a JSON attribute
    # value (the Vercel AI SDK's ai.prompt.messages)
    assert all(_escaped(t, 1) in blob or _escaped(t, 2) in blob for t in summary.prompt_texts)

    quiet = generate(small_config(tmp_path / "quiet", days=1, requests_per_day=80, content=False))
    assert not quiet.prompt_texts
    text = b"".join(p.read_bytes() for p in quiet.files_for("jsonl"))
    for prompt in summary.prompt_texts:
        assert orjson.dumps(prompt)[1:-1] not in text
    for doc in _jsonl_docs(quiet, "traces"):
        for _, s in iter_json_spans(doc):
            keys = [kv["key"] for kv in s["attributes"]] + [
                kv["key"] for e in s.get("events", []) for kv in e["attributes"]
            ]
            # prompt.* versions are metadata, not text (gen_ai.prompt.version shares the content prefix).
            assert not [
                k for k in keys if attribute_keys.is_content_key(k) and k != "gen_ai.prompt.version"
            ], keys
    for doc in _jsonl_docs(quiet, "logs"):
        for _, r in iter_json_logs(doc):
            assert r.get("eventName") not in ("gen_ai.user.message", "gen_ai.choice")
            assert "prompt" not in attrs(r["attributes"])


def test_rotation_and_progress(tmp_path: Path) -> None:
    seen: list[int] = []
    summary = generate(
        small_config(tmp_path, days=1, requests_per_day=100, traces_per_file=30, include_claude_code=False),
        progress=seen.append,
    )
    traces = summary.files_for("jsonl", "traces")
    assert len(traces) == 4  # 30 + 30 + 30 + 10
    for path in traces:
        roots = sum(
            "parentSpanId" not in s for doc in json_documents(path, "jsonl") for _, s in iter_json_spans(doc)
        )
        assert roots <= 30
    assert seen == sorted(seen) and seen[-1] == summary.spans
    assert summary.claude_code["api_requests"] == 0


def test_config_validation_and_default_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        GeneratorConfig(out_dir=tmp_path, formats=("xml",))
    config = GeneratorConfig(out_dir=tmp_path, days=2)
    assert config.first_day == datetime.now(UTC).date() - timedelta(days=2)
