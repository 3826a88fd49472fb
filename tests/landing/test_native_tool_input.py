"""Claude Code tool inputs (`tool_input`, `tool_parameters`) through the native decoder: dropped as content,
with the facts tool_details.py keeps (skill name, keyed command hash, program) as the Python path lands
them, byte for byte; a request of them is no longer handed to the Python path whole."""

from __future__ import annotations

import orjson

from orchestration.lake.tool_details import COMMAND_HMAC_KEY, SKILL_NAME_KEY
from orchestration.native.decoder import NativeDecoder
from tests.landing.native_both_ways import assert_same_rows, decoder_filter, needs_native

pytestmark = needs_native
T0 = "1767225600000000000"


def _kv(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


def _tool_log(*attributes: dict) -> bytes:
    record = {"timeUnixNano": T0, "body": {"stringValue": "claude_code.tool_result"},
              "attributes": [_kv("event.name", {"stringValue": "tool_result"}), *attributes]}  # fmt: skip
    resource = {"attributes": [_kv("service.name", {"stringValue": "claude-code"})]}
    return orjson.dumps({"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": [record]}]}]})


LINES = [
    _tool_log(_kv("tool_input", {"stringValue": '{"command": "FOO=1 sudo /usr/bin/git push --force"}'})),
    _tool_log(_kv("tool_input", {"stringValue": '{"skill": "pdf-tools"}'})),
    _tool_log(
        _kv("tool_parameters", {"stringValue": '{"bash_command": "npm test", "full_command": "npm test -x"}'})
    ),
    # a kvlist, not JSON text; an input that is not JSON; a list
    _tool_log(_kv("tool_input", {"kvlistValue": {"values": [_kv("skill_name", {"stringValue": "lint"})]}})),
    _tool_log(_kv("tool_input", {"stringValue": "rm -rf / (not JSON)"})),
    _tool_log(_kv("tool_input", {"arrayValue": {"values": [{"stringValue": "a"}]}})),
    # two inputs: the first fact of each kind stays; a sender's own fact key is replaced in place
    _tool_log(
        _kv(SKILL_NAME_KEY, {"stringValue": "forged"}),
        _kv("tool_input", {"stringValue": '{"skill": "first", "command": "ls"}'}),
        _kv("tool_parameters", {"stringValue": '{"skill": "second", "command": "pwd"}'}),
        _kv("after", {"intValue": "1"}),
    ),
]


def test_tool_inputs_give_the_python_paths_rows():
    block = b"".join(line + b"\n" for line in LINES)
    decoded = NativeDecoder(decoder_filter()).decode_lines(block, 1, "file-1")
    assert decoded.refused == []
    assert_same_rows(decoded, [(f"line {n}", orjson.loads(line)) for n, line in enumerate(LINES, 1)])
    attributes = [orjson.loads(a) for a in decoded.tables["logs"].column("attributes").to_pylist()]
    assert "tool_input" not in str(attributes) and "git push" not in str(attributes)
    assert (
        attributes[6][SKILL_NAME_KEY] == "first" and list(attributes[6])[1] == SKILL_NAME_KEY
    )  # in its place
    assert attributes[0][COMMAND_HMAC_KEY] != attributes[6][COMMAND_HMAC_KEY]
