"""Privacy at the door: people's ids become keyed HMACs and message text is dropped before any write.

What is dropped still leaves its length and a keyed hash of the text behind, so the marts can count
empty answers and spot duplicate prompts without anyone being able to read them.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

import orjson

from orchestration.lake import attribute_keys, semantics, tool_details
from orchestration.otlp.values import decode_attribute_value, decode_attributes

# The memo of identifier hashes holds at most this many ids of at most this many characters: a few
# tens of MiB per worker, whatever the input (ids repeat; a longer value is rarely an id).
MEMO_ENTRIES = 200_000
MEMO_KEY_CHARS = 256


class SubjectHasher:
    """HMAC-SHA256 with the deployment's key. Identifiers are memoized because they repeat a lot;
    message text (`text_digest`) is not: it is nearly always unique, and a memo of it would hold
    every prompt a worker has read."""

    def __init__(self, key: bytes):
        self._key = key
        self._cache: dict[str, str] = {}

    def __call__(self, raw: Any) -> str:
        text = raw if isinstance(raw, str) else orjson.dumps(raw).decode()
        digest = self._cache.get(text)
        if digest is None:
            digest = self.text_digest(text)
            if len(text) <= MEMO_KEY_CHARS and len(self._cache) < MEMO_ENTRIES:
                self._cache[text] = digest
        return digest

    def text_digest(self, text: str) -> str:
        """The same keyed hash, never memoized."""
        return self.bytes_digest(text.encode("utf-8", "surrogatepass"))

    @property
    def hmac_key(self) -> bytes:
        """For the native decoder, which hashes with the same key in-process."""
        return self._key

    def bytes_digest(self, data: bytes) -> str:
        """The keyed hash of text already encoded as UTF-8 (the native decoder's)."""
        return hmac.digest(self._key, data, "sha256").hex()


@dataclass
class Redacted:
    """Result of filtering one attribute map."""

    attributes: dict[str, Any]
    user_hash: str | None = None
    session_hash: str | None = None
    input_chars: int | None = None
    output_chars: int | None = None
    content: list[tuple[str, str]] = field(default_factory=list)  # (key, text) when capture is on
    content_parts: list[tuple[str, str]] = field(default_factory=list)  # (key, text) of what was dropped
    content_hmac: str | None = None
    # what a tool call's dropped input leaves as plain attributes (tool_details.py)
    tool_facts: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    # Filled by `AttributeFilter.read`: the LLM column candidates seen (see semantics.llm_columns).
    llm_best: dict[str, tuple[int, Any, str]] = field(default_factory=dict)
    llm_flags: int = 0


_PLAIN, _USER, _SESSION, _CONTENT, _METADATA, _TOOL_INPUT = range(6)  # the native decoder's Kind
_SCALARS = (int, float, bool, type(None))  # plain values of these types land unchanged
_DROPPED = object()


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


class AttributeFilter:
    """Applies hashing, content dropping and size caps to one attribute map."""

    def __init__(
        self,
        hasher: SubjectHasher,
        *,
        keep_content: bool,
        hash_sessions: bool,
        max_value_chars: int,
        extra_user_keys: tuple[str, ...] = (),
    ):
        self.hash = hasher
        self.keep_content = keep_content
        self.max_value_chars = max_value_chars
        self.user_keys = frozenset(attribute_keys.USER_ID_KEYS) | frozenset(extra_user_keys)
        self.session_keys = frozenset(attribute_keys.SESSION_ID_KEYS) if hash_sessions else frozenset()
        self._sensitive = self.user_keys | self.session_keys
        self._kinds: dict[str, int] = {}  # memo: attribute keys repeat across millions of records
        self._plans: dict[str, tuple[int, list[tuple[str, int]], int, bool]] = {}

    def _classify(self, key: str) -> int:
        kind = self._kinds.get(key)
        if kind is None:
            if key in self.user_keys:
                kind = _USER
            elif key in self.session_keys:
                kind = _SESSION
            elif key in attribute_keys.TOOL_INPUT_KEYS:
                kind = _TOOL_INPUT
            elif attribute_keys.is_content_key(key):
                kind = _CONTENT
            elif key == "metadata":
                kind = _METADATA
            else:
                kind = _PLAIN
            if len(self._kinds) < 100_000:
                self._kinds[key] = kind
        return kind

    def _plan(self, key: str) -> tuple[int, list[tuple[str, int]], int, bool]:
        """What to do with a key: its privacy kind, the LLM columns it feeds, the convention it
        marks, and whether it is output-side content."""
        plan = (self._classify(key), *semantics.key_info(key), attribute_keys.is_output_content_key(key))
        if len(self._plans) < 100_000:
            self._plans[key] = plan
        return plan

    def key_plan(self, key: str) -> tuple[int, list[tuple[str, int]], int, bool]:
        """(privacy kind, LLM columns fed with their rank, convention flag, output-side content)."""
        return self._plans.get(key) or self._plan(key)

    def redact_metadata(self, text: str) -> str:
        return self._redact_metadata(text)

    def read(self, items: Any, field: str = "attributes") -> Redacted:
        """An OTLP attribute list → filtered attributes plus LLM column candidates, in one pass.

        The hot path of landing: equivalent to `apply(decode_attributes(items))` followed by
        `semantics.extract_llm_columns`, without walking the attributes three times. A repeated key
        (last one wins) takes that slower route so counts stay exact."""
        if type(items) is not list:
            return self._read_slowly(items, field)  # absent (empty result) or malformed (its error)
        out: dict[str, Any] = {}
        result = Redacted(attributes=out)
        best = result.llm_best
        dropped: set[str] = set()  # content keys dropped so far (the keys of result.content_parts)
        plans = self._plans
        max_chars = self.max_value_chars
        flags = 0
        # The loop of `decode_attribute_pairs`, inlined with short cuts for the common cases (a string
        # value; a plain key whose scalar value lands as it is): it runs for every attribute landed.
        for item in items:
            if type(item) is not dict or type(key := item.get("key")) is not str:
                return self._read_slowly(items, field)  # raises the decoder's error for this item
            value = item.get("value")
            if type(value) is dict and len(value) == 1 and type(inner := value.get("stringValue")) is str:
                value = inner
            else:
                value = decode_attribute_value(value, field, key)
            if key in out or key in dropped:
                return self._read_slowly(items, field)
            plan = plans.get(key) or self._plan(key)
            if not (
                plan[0] == _PLAIN
                and (len(value) <= max_chars if type(value) is str else type(value) in _SCALARS)
            ):
                value = self._filter_one(result, key, value, plan)
                if value is _DROPPED:
                    dropped.add(key)
                    continue  # content: it marks no convention and feeds no column
            out[key] = value
            flags |= plan[2]
            if plan[1]:
                semantics.add_hit(best, plan[1], key, value)
        result.llm_flags = flags
        return self._finish(result)

    def _read_slowly(self, items: list[Any], field: str) -> Redacted:
        result = self.apply(decode_attributes(items, field))
        result.llm_best, result.llm_flags = semantics.collect_hits(result.attributes)
        return result

    def apply(self, attrs: dict[str, Any]) -> Redacted:
        """Filter an already decoded attribute map, in place."""
        result = Redacted(attributes=attrs)
        for key in list(attrs):
            value = self._filter_one(result, key, attrs[key], self.key_plan(key))
            if value is _DROPPED:
                del attrs[key]
            else:
                attrs[key] = value
        return self._finish(result)

    def _filter_one(self, result: Redacted, key: str, value: Any, plan: tuple) -> Any:
        """One attribute's value as it may land (or `_DROPPED`); records hashes and content lengths."""
        kind = plan[0]
        if kind == _PLAIN:
            if type(value) is str:
                if len(value) > self.max_value_chars:
                    result.truncated = True
                    return _cap(value, self.max_value_chars)
            elif isinstance(value, list | dict):
                encoded = orjson.dumps(value)
                if len(encoded) > self.max_value_chars:
                    result.truncated = True
                    return _cap(encoded.decode(), self.max_value_chars)
            return value
        if kind in (_USER, _SESSION):
            if value is None or value == "":
                return value
            digest = self.hash(value)
            if kind == _USER:
                if result.user_hash is None:
                    result.user_hash = digest
            elif result.session_hash is None:
                result.session_hash = digest
            return digest
        if kind in (_CONTENT, _TOOL_INPUT):
            text = _text_of(value)
            if kind == _TOOL_INPUT:
                for fact, fact_value in tool_details.derived_attributes(
                    key, value, self.hash.text_digest
                ).items():
                    result.tool_facts.setdefault(fact, fact_value)
            if plan[3]:
                result.output_chars = (result.output_chars or 0) + len(text)
            else:
                result.input_chars = (result.input_chars or 0) + len(text)
            result.content_parts.append((key, text))
            return _DROPPED
        if kind == _METADATA and isinstance(value, str) and value.startswith("{"):
            return self._redact_metadata(value)
        return value

    def _finish(self, result: Redacted) -> Redacted:
        if result.tool_facts:
            result.attributes.update(result.tool_facts)  # ours, whatever a sender put under these keys
        if result.content_parts:
            result.content_hmac = self.hash.text_digest(
                "\x01".join(sorted(k + "\x00" + t for k, t in result.content_parts))
            )
            if self.keep_content:
                result.content = list(result.content_parts)
        return result

    def _redact_metadata(self, text: str) -> str:
        """OpenInference `metadata` is a JSON string that often carries user and session ids."""
        try:
            meta = orjson.loads(text)
        except orjson.JSONDecodeError:
            return _cap(text, self.max_value_chars)
        if isinstance(meta, dict):
            for key in list(meta):
                if key in self._sensitive or key in ("user_id", "userId", "session_id", "sessionId", "email"):
                    meta[key] = self.hash(meta[key])
        return _cap(orjson.dumps(meta).decode(), self.max_value_chars)

    def redact_body(self, body: Any) -> tuple[Any, int, str | None]:
        """A content event's body is message text: drop it, keep its length and keyed hash."""
        text = _text_of(body)
        return None, len(text), self.hash.text_digest("body\x00" + text)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"…[spanledger: truncated {len(text) - limit} chars]"
