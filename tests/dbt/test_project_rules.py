"""The dbt project keeps dbt-project-evaluator's rules (tests/dbt/project_rules.py), and each rule
reports a violation planted in a copy of the project: the copy is parsed and its planted models
built by a real `dbt run` against a copy of the shared warehouse."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import PROJECT_DIR, dbt_env, dbt_executable, dbt_target_dir
from tests.built_once import private_copy
from tests.dbt import project_rules
from tests.dbt.project_rules import RULES, Project, load_project

pytestmark = pytest.mark.slow

KEY = "      data_tests: [unique, not_null]\n"

# path in the project → text appended (YAML) or written (SQL). Each planted model breaks one rule.
PLANTED = {
    "models/intermediate/evals/int_planted_keyless.sql": (
        "select evaluation_id, evaluation_kind from {{ ref('int_evaluations') }}\n"
    ),
    "models/intermediate/evals/int_planted_undocumented.sql": (
        "select evaluation_id, evaluation_kind, eval_name from {{ ref('int_evaluations') }}\n"
    ),
    "models/intermediate/evals/int_planted_middle.sql": (
        "select evaluation_id, trace_id from {{ ref('int_evaluations') }}\n"
    ),
    "models/intermediate/evals/int_planted_rejoiner.sql": (
        "select evaluations.evaluation_id, middle.trace_id\n"
        "from {{ ref('int_evaluations') }} as evaluations\n"
        "inner join {{ ref('int_planted_middle') }} as middle\n"
        "    on evaluations.evaluation_id = middle.evaluation_id\n"
    ),
    "models/intermediate/traces/int_planted_source_reader.sql": (
        "select distinct trace_id from {{ source('otlp', 'spans') }}\n"
    ),
    "models/marts/evals/fct_planted_mart_reader.sql": "select cost_row_id from {{ ref('fct_llm_costs_daily') }}\n",
    "models/intermediate/evals/_evals__models.yml": (
        "- name: int_planted_keyless\n  description: Planted without a key test.\n  columns:\n"
        "    - name: evaluation_id\n      description: Id.\n"
        "    - name: evaluation_kind\n      description: Kind.\n"
        "- name: int_planted_undocumented\n  description: Planted with a column missing and one blank.\n"
        "  columns:\n    - name: evaluation_id\n      description: Id.\n"
        + KEY
        + "    - name: evaluation_kind\n      description: ''\n"
        "- name: int_planted_middle\n  description: Planted to be rejoined.\n  columns:\n"
        "    - name: evaluation_id\n      description: Id.\n"
        + KEY
        + "    - name: trace_id\n      description: Trace.\n"
    ),
    "models/intermediate/evals/schema.yml": (
        "version: 2\nmodels:\n- name: int_planted_rejoiner\n  description: Planted, rejoining its upstream, "
        "documented in a second YAML file.\n  columns:\n    - name: evaluation_id\n      description: Id.\n"
        + KEY
        + "    - name: trace_id\n      description: Trace.\n"
    ),
    "models/intermediate/traces/_traces__models.yml": (
        "- name: int_planted_source_reader\n  description: Planted, reading the lake.\n  columns:\n"
        "    - name: trace_id\n      description: Trace.\n" + KEY
    ),
    "models/marts/evals/_evals__models.yml": (
        "- name: fct_planted_mart_reader\n  description: Planted, reading a mart.\n  columns:\n"
        "    - name: cost_row_id\n      description: Cost row.\n" + KEY
    ),
    "models/marts/notes.yml": "version: 2\n",
}


@pytest.fixture(scope="module")
def planted(golden_warehouse: Settings, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("planted-rules")
    settings = Settings.from_env(private_copy(golden_warehouse.data_dir, root / "data"))
    project = root / "dbt_project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    for path, text in PLANTED.items():
        with (project / path).open("a" if path.endswith("__models.yml") else "w") as fh:
            fh.write(text)
    models = [Path(p).stem for p in PLANTED if p.endswith(".sql")]
    command = [dbt_executable(), "run", "--no-partial-parse", "--select", *models]
    proc = subprocess.run(
        [*command, "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env=dbt_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    return load_project(project, dbt_target_dir(settings), settings.warehouse_path)


def test_the_project_keeps_every_rule(golden_warehouse: Settings) -> None:
    project = load_project(PROJECT_DIR, dbt_target_dir(golden_warehouse), golden_warehouse.warehouse_path)
    assert {name: rule(project) for name, rule in RULES.items()} == {name: [] for name in RULES}


def test_a_model_without_a_key_test_is_reported(planted: Project) -> None:
    assert project_rules.missing_primary_key_tests(planted) == [
        "int_planted_keyless: no primary-key test (unique + not_null on a column, or "
        "unique_combination_of_columns)"
    ]


def test_a_mart_reading_a_mart_is_reported(planted: Project) -> None:
    assert project_rules.marts_reading_marts(planted) == [
        "fct_planted_mart_reader: reads the mart fct_llm_costs_daily; move the shared logic to an "
        "intermediate model (or allow it, with a reason, in MART_READS_ALLOWED)"
    ]


def test_an_undocumented_column_is_reported(planted: Project) -> None:
    assert project_rules.undocumented(planted) == [
        "int_planted_undocumented.evaluation_kind: no description",
        "int_planted_undocumented.eval_name: a column of the model, not in its YAML",
    ]


def test_a_source_read_outside_staging_is_reported(planted: Project) -> None:
    assert project_rules.sources_outside_staging(planted) == [
        "int_planted_source_reader: reads otlp.spans with source(); only staging models read sources"
    ]


def test_a_rejoined_upstream_is_reported(planted: Project) -> None:
    assert project_rules.rejoined_upstream(planted) == [
        "int_planted_rejoiner: reads int_evaluations and int_planted_middle, which reads int_evaluations "
        "too and feeds only int_planted_rejoiner: make it a CTE of int_planted_rejoiner"
    ]


def test_yaml_outside_its_folders_file_is_reported(planted: Project) -> None:
    assert project_rules.yaml_per_folder(planted) == [
        "int_planted_rejoiner: documented in models/intermediate/evals/schema.yml, expected "
        "models/intermediate/evals/_evals__models.yml",
        "models/marts/notes.yml: documents no model, source or unit test of its folder",
    ]


def test_an_allow_list_entry_no_longer_needed_is_reported(
    golden_warehouse: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = load_project(PROJECT_DIR, dbt_target_dir(golden_warehouse), golden_warehouse.warehouse_path)
    monkeypatch.setitem(
        project_rules.MART_READS_ALLOWED, ("fct_eval_candidates", "fct_tenant_latency_daily"), ""
    )
    monkeypatch.setitem(project_rules.KEYLESS_MODELS, "int_agent_runs", "")
    assert project_rules.marts_reading_marts(project) == [
        "fct_eval_candidates no longer reads fct_tenant_latency_daily; remove it from MART_READS_ALLOWED"
    ]
    assert project_rules.missing_primary_key_tests(project) == [
        "int_agent_runs: has a primary-key test now; remove it from KEYLESS_MODELS"
    ]
