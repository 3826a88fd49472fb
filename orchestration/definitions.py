"""The Dagster code location: one Definitions object merged from each area under `defs/`."""

from __future__ import annotations

from dagster import Definitions


def _build() -> Definitions:
    # Imported here so that this module holds exactly one Definitions object at module scope.
    from orchestration.defs.compliance import defs as compliance
    from orchestration.defs.dbt import defs as warehouse
    from orchestration.defs.landing import defs as landing
    from orchestration.defs.quality import defs as quality
    from orchestration.defs.reports import defs as reports
    from orchestration.defs.resources import SpanledgerResource
    from orchestration.defs.skills import defs as skills
    from orchestration.settings import Settings

    areas = [landing, warehouse, reports, quality, compliance, skills]
    if Settings.from_env().warehouse == "bigquery":
        from orchestration.defs.bigquery import defs as bigquery

        areas.append(bigquery)
    return Definitions.merge(*areas, Definitions(resources={"spanledger": SpanledgerResource()}))


defs = _build()
