"""dbt folders → Dagster groups, so the asset graph shows the warehouse layers.

On BigQuery (SPANLEDGER_WAREHOUSE=bigquery) dbt's sources are the loaded copies of the lake and of
the compliance export, so every model also depends on those BigQuery assets: a job that holds both
(the daily pipeline) runs the load before dbt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.defs.partitions import LANDING_KEY
from orchestration.settings import Settings

MART_GROUPS = ("finops", "reliability", "evals", "quality")


class SpanledgerDbtTranslator(DagsterDbtTranslator):
    def __init__(self, warehouse: str | None = None) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self.warehouse = warehouse or Settings.from_env().warehouse

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = manifest["nodes"].get(unique_id) or {}
        if props.get("resource_type") == "model" and list(props.get("fqn", []))[1:2] == ["staging"]:
            spec = spec.merge_attributes(deps=[LANDING_KEY])
        if self.warehouse == "bigquery" and unique_id in manifest["nodes"]:
            from orchestration.defs.bigquery.keys import bigquery_copy_of

            copies = {bigquery_copy_of(dep.asset_key) for dep in spec.deps} - {None}
            if copies:
                spec = spec.merge_attributes(deps=sorted(copies, key=str))
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "seed":
            return "staging"  # reference data users replace: enters the graph with the staging layer
        fqn = list(dbt_resource_props.get("fqn", []))[1:]  # drop the project name
        if fqn[:1] == ["marts"] and len(fqn) > 1 and fqn[1] in MART_GROUPS:
            return fqn[1]
        if fqn[:1] in (["staging"], ["intermediate"]):
            return fqn[0]
        return super().get_group_name(dbt_resource_props)
