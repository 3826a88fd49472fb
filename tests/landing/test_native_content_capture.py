"""Content capture on (SPANLEDGER_STORE_CONTENT=1) with the native decoder: the units holding text to
keep are refused by it and take the Python path, which writes the restricted content rows; the rest stays
native. Landed both ways, the lake and the restricted content table are the same."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.generator import GeneratorConfig, generate
from orchestration.lake.privacy import AttributeFilter, SubjectHasher
from orchestration.native.decoder import NativeDecoder
from tests.landing.native_both_ways import MAX_CHARS, needs_native, same_lake_both_ways

pytestmark = needs_native


def test_capture_on_lands_the_same_lake_and_content_both_ways(tmp_path: Path):
    inbox = tmp_path / "inbox"
    generate(GeneratorConfig(out_dir=inbox, days=1, start_date=date(2026, 3, 1), tenants=3,
                             requests_per_day=150, seed=13, formats=("jsonl", "proto-framed")))  # fmt: skip
    keeping = AttributeFilter(SubjectHasher(b"test-key"), keep_content=True, hash_sessions=True,
                              max_value_chars=MAX_CHARS)  # fmt: skip
    lines = b"".join(path.read_bytes() for path in sorted(inbox.glob("*.jsonl")))
    decoded = NativeDecoder(keeping).decode_lines(lines, 1, "f")
    reasons = {why for *_, why in decoded.refused}
    # requests without text to keep (metric points among them) stay native, those with prompts or
    # responses go to the Python path, whole
    assert decoded.records > 0 and decoded.refused, reasons
    assert "content to keep" in reasons and decoded.signals >= {"metrics"}, reasons
    counts = same_lake_both_ways(inbox, tmp_path, SPANLEDGER_STORE_CONTENT="1")
    assert counts["restricted_content"] > 100 and counts["spans"] > 1000
