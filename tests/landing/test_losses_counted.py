"""Losses are counted as what they are: a bad length prefix does not drop the rest of a framed file, one
invalid character does not quarantine a 200-span line, a resource that cannot be read sets aside the
records it holds (not "1 record"), and what cannot be counted in records is quarantined by its size."""

from __future__ import annotations

import gzip
import json

import pytest

from orchestration.landing import land
from tests.landing.conftest import lake_rows, quarantine_rows
from tests.landing.live_writer import json_request, proto_request


def _frame(body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + body


def test_a_bad_length_prefix_costs_one_message_not_the_rest_of_the_file(settings, inbox):
    frames = [_frame(proto_request(5, r, 10)) for r in range(30)]
    broken = bytearray(frames[12])
    broken[0:4] = (0xFFFF_FFF0).to_bytes(4, "big")  # an implausible length
    frames[12] = bytes(broken)
    wrong = bytearray(frames[20])
    wrong[0:4] = (len(wrong) - 4 - 7).to_bytes(4, "big")  # plausible, but 7 bytes short
    frames[20] = bytes(wrong)
    (inbox / "export.pb").write_bytes(b"".join(frames))

    report = land(settings, settle_seconds=0)
    [outcome] = report.files
    assert outcome.records_landed == 280  # 28 whole messages of 10 spans; not 120 (everything before 12)
    assert lake_rows(settings, "spans", "count(distinct (trace_id, span_id))") == [(280,)]
    entries = quarantine_rows(settings)
    assert [e["records"] for e in entries] == [None, None]  # the bytes of a bad message cannot be counted
    assert (
        sum(e["raw_bytes"] for e in entries) == outcome.bytes_unreadable == len(frames[12]) + len(frames[20])
    )
    assert all("skipped to the next message that decodes" in e["reason"] for e in entries)
    assert [e["location"].split(" at ")[0] for e in entries] == ["message 13", "message 21"]


def test_an_invalid_character_invalidates_its_value_not_the_line(settings, inbox):
    request = json_request(9, 0, 200)
    attributes = request["resourceSpans"][0]["scopeSpans"][0]["spans"][17]["attributes"]
    attributes.append({"key": "gen_ai.prompt", "value": {"stringValue": "PROMPT_MARKER"}})  # dropped anyway
    attributes.append({"key": "note", "value": {"stringValue": "NOTE_MARKER"}})
    line = json.dumps(request).encode()
    line = line.replace(b"PROMPT_MARKER", b"before \\ud800 after").replace(b"NOTE_MARKER", b"ok \\udfff!")
    (inbox / "traces.jsonl").write_bytes(line + b"\n")

    report = land(settings, settle_seconds=0)
    assert (report.records_landed, report.records_quarantined, report.units_unreadable) == (200, 0, 0)
    assert quarantine_rows(settings) == []
    [(name, attrs, _)] = [
        row for row in lake_rows(settings, "spans", "span_name, attributes, attributes_repaired") if row[2]
    ]
    assert name == "call-0-17" and json.loads(attrs)["note"] == "ok \ufffd!"
    assert lake_rows(settings, "spans", "count(*) filter (where attributes_repaired is null)") == [(199,)]


def test_a_resource_that_cannot_be_read_sets_aside_the_records_it_holds(settings, inbox):
    request = json_request(4, 0, 50)
    request["resourceSpans"].append(json_request(4, 1, 7)["resourceSpans"][0])
    request["resourceSpans"][0]["resource"] = {"attributes": "not a list"}
    (inbox / "traces.json").write_text(json.dumps(request))
    report = land(settings, settle_seconds=0)
    assert (report.records_in, report.records_landed, report.records_quarantined) == (57, 7, 50)
    [entry] = quarantine_rows(settings)
    assert entry["records"] == 50


def test_a_line_over_the_limit_is_quarantined_by_its_size_without_being_held(settings, inbox, monkeypatch):
    monkeypatch.setenv("SPANLEDGER_MAX_LINE_BYTES", str(1 << 20))
    from orchestration.settings import Settings

    limited = Settings.from_env(settings.data_dir)
    huge = json_request(6, 1, 3)
    huge["resourceSpans"][0]["resource"]["attributes"].append(
        {"key": "blob", "value": {"stringValue": "x" * (3 << 20)}}
    )
    lines = [json.dumps(json_request(6, 0, 5)), json.dumps(huge), json.dumps(json_request(6, 2, 5))]
    (inbox / "traces.jsonl").write_text("\n".join(lines) + "\n")
    report = land(limited, settle_seconds=0)
    assert report.records_landed == 10 and report.units_unreadable == 1
    [entry] = quarantine_rows(limited)
    assert entry["location"] == "line 2" and entry["raw_bytes"] == len(lines[1]) + 1
    assert "exceeds the 1048576 bytes limit" in entry["reason"]


@pytest.mark.parametrize("corrupt_member", [0, 3, 5])
def test_a_corrupt_gzip_member_costs_its_own_lines_only(settings, inbox, corrupt_member):
    members = [gzip.compress((json.dumps(json_request(2, m, 4)) + "\n").encode()) for m in range(6)]
    bad = bytearray(members[corrupt_member])
    bad[len(bad) // 2 : len(bad) // 2 + 8] = b"\xff" * 8  # the deflate stream is broken mid-member
    members[corrupt_member] = bytes(bad)
    (inbox / "traces.jsonl.gz").write_bytes(b"".join(members))
    report = land(settings, settle_seconds=0)
    assert report.records_landed == 20 and report.units_unreadable == 1
    [entry] = quarantine_rows(settings)
    assert entry["records"] is None and entry["raw_bytes"] == len(members[corrupt_member])
    assert "reading went on after them" in entry["reason"]
