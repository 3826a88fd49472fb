"""What landing keeps of a tool call's input (`tool_input`, `tool_parameters`): never the input itself.

Claude Code exports a tool call's arguments with OTEL_LOG_TOOL_DETAILS=1: shell commands, file paths,
and whatever secret a developer typed into a command. They are content (dropped, or kept only in the
restricted content table when capture is on). The developer_tools marts need three facts from them,
which land as plain attributes instead:

- the skill a Skill call names (a skill's name, not a person's text);
- a keyed hash of the shell command, to see the same command run again (a likely failure the harness
  reported as success) without anyone being able to read it;
- the program the command runs (`git`, `npm`), after any `NAME=value` assignments, when it looks like a
  program name; anything else reads `(other)`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

SKILL_NAME_KEY = "spanledger.tool.skill_name"
COMMAND_HMAC_KEY = "spanledger.tool.command_hmac"
COMMAND_PROGRAM_KEY = "spanledger.tool.command_program"
HAS_INPUT_KEY = "spanledger.tool.has_input"  # tool_input was exported: tool details are on

OTHER_PROGRAM = "(other)"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}")
_SAFE_PROGRAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,39}")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_PREFIX_WORDS = frozenset({"sudo", "env", "time", "nohup", "exec", "command"})


def derived_attributes(key: str, value: Any, text_digest) -> dict[str, Any]:
    """The plain attributes one tool-input attribute yields; `text_digest` is the landing's keyed hash."""
    derived: dict[str, Any] = {HAS_INPUT_KEY: True} if key == "tool_input" else {}
    arguments = _as_object(value)
    skill = arguments.get("skill_name") or arguments.get("skill")
    if isinstance(skill, str) and _SAFE_NAME.fullmatch(skill):
        derived[SKILL_NAME_KEY] = skill
    command = arguments.get("full_command") or arguments.get("command")
    if isinstance(command, str) and command.strip():
        derived[COMMAND_HMAC_KEY] = text_digest("command\x00" + command.strip())
    program_source = arguments.get("bash_command") or command
    if isinstance(program_source, str) and program_source.strip():
        derived[COMMAND_PROGRAM_KEY] = command_program(program_source)
    return derived


def command_program(command: str) -> str:
    """The program a shell command runs: its first word after assignments and sudo/env, as a basename."""
    for word in command.split():
        if _ASSIGNMENT.match(word) or word in _PREFIX_WORDS:
            continue
        name = word.rsplit("/", 1)[-1]
        return name if _SAFE_PROGRAM.fullmatch(name) else OTHER_PROGRAM
    return OTHER_PROGRAM


def _as_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str | bytes):
        return {}
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
