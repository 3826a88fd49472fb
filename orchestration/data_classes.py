"""The retention classes every part of the project labels its data with (dbt models' meta, lake tables,
BigQuery partition expiration, the compliance policy), and their default days. The compliance policy
(orchestration/compliance/policy.py) applies them, with per-tenant overrides; docs/compliance.md says
what belongs to each."""

from __future__ import annotations

# Data classes: what belongs to each is documented in docs/compliance.md.
RAW = (
    "raw"  # lake tables (spans, span events/links, logs, metric points), staging views, int_spans_attributed
)
CONTENT = "content"  # restricted prompt/response text (<data>/restricted/content)
QUARANTINE = "quarantine"  # records that could not be landed (<data>/quarantine), may hold raw input
FACTS = "facts"  # LLM-call, request, tool, agent-run and evaluation facts; reliability and eval marts
FINOPS = "finops"  # cost and chargeback marts (aggregates without people)

DEFAULT_DAYS: dict[str, int] = {RAW: 30, CONTENT: 7, QUARANTINE: 30, FACTS: 400, FINOPS: 7 * 365 + 2}
CLASSES = tuple(DEFAULT_DAYS)
