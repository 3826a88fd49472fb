"""The rules of dbt-project-evaluator, written in-project (dbt hub packages cannot be fetched here).

Each rule reads dbt's manifest (the column rule also the built warehouse's columns) and returns its
violations, one readable line each, naming the model. Deliberate exceptions live in the allow lists
below with their reasons; an entry that is no longer needed is a violation too, so the lists stay
true. docs/development.md ("Code health") lists the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb

PACKAGE = "spanledger"

# (mart, the mart it reads) → why. Rollups of a mart stay on that mart so they reconcile with it.
MART_READS_ALLOWED = {
    ("fct_chargeback_monthly", "fct_llm_costs_daily"): (
        "the monthly chargeback is the daily cost mart rolled up, and must equal it to the cent"
    ),
    (
        "fct_spend_month_to_date",
        "fct_llm_costs_daily",
    ): "month-to-date spend is the daily cost mart rolled up",
    (
        "fct_genai_spans_vs_metrics_hourly",
        "fct_genai_metrics_hourly",
    ): "the reconciliation shows the GenAI metrics mart's own numbers beside the spans'",
    ("fct_chargeback_focus_monthly", "fct_chargeback_closed_lines"): (
        "a closed month is shown as booked: the append-only snapshot no rebuild replaces, read back whole"
    ),
    ("fct_chargeback_breakdowns_monthly", "fct_spend_month_to_date"): (
        "the report's tenant breakdown shows each tenant's budget and month-end projection beside its cost"
    ),
    ("fct_chargeback_breakdowns_monthly", "fct_chargeback_focus_monthly"): (
        "the report shows what the invoice bills beside the calls: the FOCUS lines rolled up, closed months as "
        "booked, so that it equals the CSV to the cent"
    ),
}

# model → why it has no primary-key test.
KEYLESS_MODELS: dict[str, str] = {}

# YAML files in models/ that document no folder's models: the exposures (sql/ queries) span every folder.
PROJECT_WIDE_YAML = {"models/exposures.yml"}


@dataclass(frozen=True)
class Project:
    manifest: dict
    project_dir: Path
    # (schema, relation name) → column names of the built relation, lower case
    relation_columns: dict[tuple[str, str], list[str]]

    @property
    def models(self) -> dict[str, dict]:
        return {
            uid: node
            for uid, node in self.manifest["nodes"].items()
            if node["resource_type"] == "model" and node["package_name"] == PACKAGE
        }


def load_project(project_dir: Path, target_dir: Path, warehouse: Path) -> Project:
    """The manifest a dbt command wrote to target_dir, and the columns of every relation in the warehouse."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_schema, table_name, lower(column_name) from information_schema.columns "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        columns.setdefault((schema, table), []).append(column)
    return Project(manifest, project_dir, columns)


def _name(uid: str) -> str:
    return uid.split(".")[-1]


def _layer(node: dict) -> str:
    """staging, intermediate or marts: the folder below models/."""
    return PurePosixPath(node["original_file_path"]).parts[1]


def _model_parents(node: dict) -> set[str]:
    return {
        d for d in node["depends_on"]["nodes"] if d.startswith(("model.", "seed.", "source.", "snapshot."))
    }


def missing_primary_key_tests(project: Project) -> list[str]:
    """A key: `unique` and `not_null` on one column, or `unique_combination_of_columns` on the model."""
    tests: dict[str, dict[str, set[str]]] = {}
    for node in project.manifest["nodes"].values():
        meta = node.get("test_metadata")
        if node["resource_type"] != "test" or not meta or not node.get("attached_node"):
            continue
        column = (node.get("column_name") or "").lower()
        tests.setdefault(node["attached_node"], {}).setdefault(column, set()).add(meta["name"])
    violations = []
    for uid in sorted(project.models):
        by_column = tests.get(uid, {})
        has_key = any({"unique", "not_null"} <= names for names in by_column.values()) or any(
            "unique_combination_of_columns" in names for names in by_column.values()
        )
        name = _name(uid)
        if has_key and name in KEYLESS_MODELS:
            violations.append(f"{name}: has a primary-key test now; remove it from KEYLESS_MODELS")
        elif not has_key and name not in KEYLESS_MODELS:
            violations.append(
                f"{name}: no primary-key test (unique + not_null on a column, or unique_combination_of_columns)"
            )
    return violations


def undocumented(project: Project) -> list[str]:
    """Every model described, and every column of its relation in the warehouse described in its YAML."""
    violations = []
    for uid, node in sorted(project.models.items()):
        name = _name(uid)
        if not node["description"].strip():
            violations.append(f"{name}: the model has no description")
        documented = {column.lower(): spec["description"] for column, spec in node["columns"].items()}
        for column, description in documented.items():
            if not description.strip():
                violations.append(f"{name}.{column}: no description")
        actual = project.relation_columns.get((node["schema"], node["alias"] or name))
        if actual is None:
            violations.append(f"{name}: not built in the warehouse, its columns cannot be checked")
            continue
        violations += [
            f"{name}.{c}: a column of the model, not in its YAML" for c in actual if c not in documented
        ]
        violations += [
            f"{name}.{c}: in the YAML, not a column of the model" for c in documented if c not in actual
        ]
    return violations


def sources_outside_staging(project: Project) -> list[str]:
    return [
        f"{_name(uid)}: reads {', '.join(sorted(s.removeprefix('source.' + PACKAGE + '.') for s in sources))}"
        " with source(); only staging models read sources"
        for uid, node in sorted(project.models.items())
        if _layer(node) != "staging"
        and (sources := [d for d in node["depends_on"]["nodes"] if d.startswith("source.")])
    ]


def marts_reading_marts(project: Project) -> list[str]:
    models = project.models
    reads = {
        (_name(uid), _name(parent))
        for uid, node in models.items()
        if _layer(node) == "marts"
        for parent in _model_parents(node)
        if parent in models and _layer(models[parent]) == "marts"
    }
    violations = [
        f"{child}: reads the mart {parent}; move the shared logic to an intermediate model "
        "(or allow it, with a reason, in MART_READS_ALLOWED)"
        for child, parent in sorted(reads - MART_READS_ALLOWED.keys())
    ]
    violations += [
        f"{child} no longer reads {parent}; remove it from MART_READS_ALLOWED"
        for child, parent in sorted(MART_READS_ALLOWED.keys() - reads)
    ]
    return violations


def rejoined_upstream(project: Project) -> list[str]:
    """Model C reads A and B where B reads A and feeds nothing but C: B is a CTE of C split off
    (dbt-project-evaluator's fct_rejoining_of_upstream_concepts)."""
    nodes = {**project.manifest["nodes"], **project.manifest["sources"]}
    child_map = project.manifest["child_map"]
    violations = []
    for uid, node in sorted(project.models.items()):
        parents = _model_parents(node)
        for middle in sorted(parents):
            feeds = [
                c for c in child_map.get(middle, []) if c.startswith(("model.", "exposure.", "snapshot."))
            ]
            if not middle.startswith("model.") or feeds != [uid]:
                continue
            for upstream in sorted(parents & _model_parents(nodes[middle])):
                violations.append(
                    f"{_name(uid)}: reads {_name(upstream)} and {_name(middle)}, which reads "
                    f"{_name(upstream)} too and feeds only {_name(uid)}: make it a CTE of {_name(uid)}"
                )
    return violations


def yaml_per_folder(project: Project) -> list[str]:
    """A folder's models are documented in its `_<folder>__models.yml`, its sources in
    `_<folder>__sources.yml`, unit tests of its models in `_<folder>__unit_tests.yml`; nothing else."""

    def expected(folder: PurePosixPath, kind: str) -> str:
        return str(folder / f"_{folder.name}__{kind}.yml")

    violations = []
    known = set(PROJECT_WIDE_YAML)
    models = project.models
    for uid, node in sorted(models.items()):
        want = expected(PurePosixPath(node["original_file_path"]).parent, "models")
        got = (node.get("patch_path") or "").split("://")[-1]
        known.add(got)
        if got != want:
            violations.append(f"{_name(uid)}: documented in {got or 'no YAML file'}, expected {want}")
    for source in sorted(project.manifest["sources"].values(), key=lambda s: s["unique_id"]):
        if source["package_name"] != PACKAGE:
            continue
        path = source["original_file_path"]
        known.add(path)
        want = expected(PurePosixPath(path).parent, "sources")
        if path != want:
            violations.append(f"source {source['source_name']}.{source['name']}: in {path}, expected {want}")
    for test in project.manifest.get("unit_tests", {}).values():
        path = test["original_file_path"]
        known.add(path)
        tested = models.get(f"model.{PACKAGE}.{test['model']}")
        want = expected(PurePosixPath(tested["original_file_path"]).parent, "unit_tests") if tested else path
        if path != want:
            violations.append(f"unit test {test['name']} of {test['model']}: in {path}, expected {want}")
    for path in sorted((project.project_dir / "models").rglob("*.y*ml")):
        relative = str(path.relative_to(project.project_dir))
        if relative not in known:
            violations.append(f"{relative}: documents no model, source or unit test of its folder")
    return violations


RULES: dict[str, Callable[[Project], list[str]]] = {
    "primary key tested": missing_primary_key_tests,
    "models and columns described": undocumented,
    "sources read in staging only": sources_outside_staging,
    "marts read no marts": marts_reading_marts,
    "no rejoined upstream": rejoined_upstream,
    "one YAML file per folder": yaml_per_folder,
}
