"""dbt folders → Dagster groups, so the asset graph shows the warehouse layers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

MART_GROUPS = ("finops", "reliability", "evals")


class SpanledgerDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "seed":
            return "staging"  # reference data users replace: enters the graph with the staging layer
        fqn = list(dbt_resource_props.get("fqn", []))[1:]  # drop the project name
        if fqn[:1] == ["marts"] and len(fqn) > 1 and fqn[1] in MART_GROUPS:
            return fqn[1]
        if fqn[:1] in (["staging"], ["intermediate"]):
            return fqn[0]
        return super().get_group_name(dbt_resource_props)
