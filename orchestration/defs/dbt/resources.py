"""The dbt project as Dagster sees it: one DbtProject, a manifest kept fresh, the venv's dbt."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import PROJECT_DIR, dbt_executable, dbt_target_dir, run_dbt


def _newest_source_mtime() -> float:
    paths = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        paths += [p for p in (PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def ensure_manifest(settings: Settings) -> Path:
    """`dbt parse` when target/manifest.json is missing or older than the project's files."""
    manifest = dbt_target_dir(settings) / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        result = run_dbt(settings, ["parse", "--quiet"])
        if not result.success or not manifest.exists():
            raise RuntimeError(f"dbt parse failed ({result.returncode}):\n{result.output_tail}")
    return manifest


settings = Settings.from_env()
# target/ and logs/ live in the data dir: pipelines sharing one checkout keep separate state.
dbt_project = DbtProject(
    project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=dbt_target_dir(settings)
)
os.environ.setdefault("SPANLEDGER_DATA_DIR", str(settings.data_dir))
# dagster-dbt puts each invocation's folder below DBT_TARGET_PATH (else below the checkout's target/)
os.environ["DBT_TARGET_PATH"] = str(dbt_target_dir(settings))
os.environ.setdefault("DBT_LOG_PATH", str(settings.data_dir / "dbt" / "logs"))
ensure_manifest(settings)

dbt_resource = DbtCliResource(
    project_dir=dbt_project, dbt_executable=dbt_executable(), profiles_dir=str(PROJECT_DIR)
)
