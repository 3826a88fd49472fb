"""The Dagster code location: one Definitions object merged from each area under `defs/`."""

from __future__ import annotations

from dagster import Definitions

from orchestration.defs.landing import defs as landing_defs
from orchestration.defs.resources import SpanledgerResource


def _area_defs() -> list[Definitions]:
    areas = [landing_defs]
    try:
        from orchestration.defs.dbt import defs as dbt_defs
    except ImportError:  # the warehouse area is optional while it is being built
        return areas
    return [*areas, dbt_defs]


defs = Definitions.merge(
    *_area_defs(),
    Definitions(resources={"spanledger": SpanledgerResource()}),
)
