"""The privacy filter's memory stays flat: ids are memoized (they repeat), message text is not.

Before, every content digest went through the id memo, so a worker kept each prompt it had read (up to
a million of them) until its task ended: memory grew with the input instead of staying flat.
"""

from __future__ import annotations

import hmac
import tracemalloc

from orchestration.lake.privacy import MEMO_KEY_CHARS, AttributeFilter, SubjectHasher

KEY = b"test-key"


def _span_attributes(i: int) -> list[dict]:
    prompt = f"prompt {i}: " + "lorem ipsum " * 400  # ~4.8 KB, unique per span
    return [
        {"key": "user.id", "value": {"stringValue": f"user-{i % 7}@example.com"}},
        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
        {"key": "input.value", "value": {"stringValue": prompt}},
    ]


def test_reading_unique_prompts_retains_no_memory_per_prompt():
    attribute_filter = AttributeFilter(
        SubjectHasher(KEY), keep_content=False, hash_sessions=True, max_value_chars=16384
    )
    for i in range(50):  # warm up: the key plans and the seven user ids are memoized once
        attribute_filter.read(_span_attributes(i))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(50, 2050):
            attribute_filter.read(_span_attributes(i))
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 2,000 prompts of ~4.8 KB: a memo of them would retain ~10 MB.
    assert retained < 256 * 1024, f"{retained:,} bytes retained after reading 2,000 unique prompts"


def test_content_digest_is_the_keyed_hash_of_the_text():
    attribute_filter = AttributeFilter(
        SubjectHasher(KEY), keep_content=False, hash_sessions=True, max_value_chars=16384
    )
    result = attribute_filter.read(_span_attributes(3))
    text = "input.value\x00" + "prompt 3: " + "lorem ipsum " * 400
    assert result.content_hmac == hmac.new(KEY, text.encode(), "sha256").hexdigest()
    assert result.input_chars == len(text) - len("input.value\x00")
    assert result.user_hash == hmac.new(KEY, b"user-3@example.com", "sha256").hexdigest()


def test_long_values_hash_like_short_ones():
    hasher = SubjectHasher(KEY)
    long_id = "x" * (MEMO_KEY_CHARS + 1)
    for raw in ("alice", long_id):
        expected = hmac.new(KEY, raw.encode(), "sha256").hexdigest()
        assert hasher(raw) == hasher(raw) == hasher.text_digest(raw) == expected
