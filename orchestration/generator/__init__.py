"""Deterministic, streaming generator of realistic OTLP exports of a multi-tenant LLM application.

    summary = generate(GeneratorConfig(out_dir=Path("data/inbox"), days=3, formats=("jsonl",)))
    write_summary(summary, "reports/generation.json")   # never into out_dir: it would be landed

Same config (seed included) -> byte-identical files. See generate.py for the loop, flows.py for the
request shapes and conventions.py for the attribute conventions.
"""

from .config import FORMATS, GeneratorConfig
from .generate import generate
from .summary import GenerationSummary, WrittenFile, write_summary

__all__ = ["FORMATS", "GenerationSummary", "GeneratorConfig", "WrittenFile", "generate", "write_summary"]
