"""Which warehouse table belongs to which retention class, and which column dates its rows.

The dbt project is the source of truth: folder-level `+meta: {retention_class: ...}` in
dbt_project.yml, per-model `meta` for exceptions (`retention_class`, `retention_date_column`),
read from dbt's manifest. The date column is, in this order: `meta.retention_date_column`, the
incremental model's date key (`unique_key` on DuckDB, `partition_by.field` on BigQuery), else the one
column whose name ends in `_date`. The dbt test `assert_no_row_past_retention` resolves it the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from orchestration.compliance.policy import CLASSES, FACTS, FINOPS, RAW
from orchestration.compliance.warehouse import WarehouseTable
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import dbt_target_dir

# Without a dbt manifest (never built here): by schema.
SCHEMA_CLASSES = {
    "staging": RAW,
    "intermediate": FACTS,
    "reliability": FACTS,
    "evals": FACTS,
    "quality": FACTS,
    "finops": FINOPS,
}


@dataclass(frozen=True)
class Retained:
    table: WarehouseTable
    data_class: str | None
    date_column: str | None
    reason: str = ""


def _model_meta(settings: Settings) -> dict[tuple[str, str], dict]:
    manifest = dbt_target_dir(settings) / "manifest.json"
    if not manifest.exists():
        return {}
    nodes = json.loads(manifest.read_text()).get("nodes", {})
    out = {}
    for node in nodes.values():
        if node.get("resource_type") not in ("model", "seed", "snapshot"):
            continue
        config = node.get("config", {}) or {}
        meta = {**(node.get("meta") or {}), **(config.get("meta") or {})}
        out[(node["schema"], node.get("alias") or node["name"])] = {
            "meta": meta,
            "unique_key": config.get("unique_key"),
            "partition_by": config.get("partition_by"),
            "resource_type": node["resource_type"],
        }
    return out


def date_column(table: WarehouseTable, info: dict) -> str | None:
    meta = info.get("meta", {})
    if meta.get("retention_date_column"):
        return meta["retention_date_column"]
    key = info.get("unique_key")
    if isinstance(key, str) and key in table.columns:
        return key
    partition = info.get("partition_by") or {}
    if isinstance(partition, dict) and partition.get("field") in table.columns:
        return partition["field"]
    dated = [c for c in table.columns if c.endswith("_date")]
    return dated[0] if len(dated) == 1 else None


def classify(settings: Settings, tables: list[WarehouseTable]) -> list[Retained]:
    meta = _model_meta(settings)
    out = []
    for table in tables:
        info = meta.get((table.schema, table.name))
        if info is None:
            data_class = SCHEMA_CLASSES.get(table.schema)
            info = {}
        elif info["resource_type"] == "seed":
            out.append(Retained(table, None, None, "reference data (seed)"))
            continue
        else:
            data_class = info["meta"].get("retention_class")
        if data_class in (None, "none"):
            out.append(Retained(table, None, None, "no retention class"))
            continue
        if data_class not in CLASSES:
            out.append(Retained(table, None, None, f"unknown retention class {data_class!r}"))
            continue
        column = date_column(table, info)
        out.append(Retained(table, data_class, column, "" if column else "no date column"))
    return out
