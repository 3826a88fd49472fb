"""JSON lines whose only fault is invalid text inside a value.

A lone UTF-16 surrogate escape (`"\\ud800"`) or bytes that are not UTF-8 inside one string make a
strict parser refuse the whole line, and with it every record of the batch. Here such a line is
parsed leniently, and each string holding invalid text has it replaced by U+FFFD (the Unicode
replacement character); the unit is marked `repaired`, so its rows are flagged in the lake
(`attributes_repaired`). Lines broken in any other way stay malformed.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def _clean(value: Any, changed: list[bool]) -> Any:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            changed[0] = True
            return _SURROGATE.sub(REPLACEMENT, value)
        return value
    if isinstance(value, dict):
        return {_clean(k, changed): _clean(v, changed) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, changed) for v in value]
    return value


def repaired_json(payload: bytes) -> dict[str, Any] | None:
    """The export request of a line refused for invalid text only, that text replaced; else None."""
    try:
        # Bytes that are not UTF-8 become lone surrogates (U+DC80..U+DCFF) here, as escapes do in json.
        document = json.loads(payload.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        return None
    changed = [False]
    document = _clean(document, changed)
    # Only a repair counts: other leniencies of the standard parser (NaN, Infinity) stay refused.
    return document if changed[0] and isinstance(document, dict) else None


def has_replacement(row: dict[str, Any]) -> bool:
    """Whether a landed row holds a replaced character in one of its text columns."""
    return any(isinstance(v, str) and REPLACEMENT in v for v in row.values())
