"""The dbt project as Dagster sees it: one DbtProject, a manifest kept fresh, the venv's dbt."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.locks import wait_for_flock
from orchestration.settings import Settings
from orchestration.warehouse.dbt_invocations import PARSE_STATE, share_parse_state
from orchestration.warehouse.dbt_runner import PROJECT_DIR, dbt_executable, dbt_target_dir, run_dbt

PARSE_LOCK_TIMEOUT_S = 600.0


def _newest_source_mtime() -> float:
    paths = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        paths += [p for p in (PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def ensure_manifest(settings: Settings) -> Path:
    """The manifest the code location reads: `dbt parse` when missing or older than the project.

    Every dbt command rewrites target/manifest.json in place, so a process loading the code location
    while another builds could read half a file. Dagster reads its own copy instead, parsed into a
    private folder under a lock and renamed into place whole.
    """
    published = settings.data_dir / "dbt" / "dagster" / "manifest.json"
    published.parent.mkdir(parents=True, exist_ok=True)
    if _is_fresh(published):
        return published
    with open(published.parent / "parse.lock", "a+") as lock:
        if not wait_for_flock(lock, fcntl.LOCK_EX, PARSE_LOCK_TIMEOUT_S):
            raise RuntimeError(
                f"another process has been parsing the dbt project for {PARSE_LOCK_TIMEOUT_S:.0f} s"
            )
        try:
            if _is_fresh(published):  # parsed by the process we waited for
                return published
            with tempfile.TemporaryDirectory(dir=published.parent, prefix=".parse-") as private:
                shared_state = dbt_target_dir(settings) / PARSE_STATE
                if shared_state.is_file():  # a partial parse: seconds instead of a full one
                    shutil.copyfile(shared_state, Path(private) / PARSE_STATE)
                result = run_dbt(settings, ["parse", "--quiet", "--target-path", private])
                parsed = Path(private) / "manifest.json"
                if not result.success or not parsed.exists():
                    raise RuntimeError(f"dbt parse failed ({result.returncode}):\n{result.output_tail}")
                share_parse_state(Path(private), dbt_target_dir(settings))
                os.replace(parsed, published)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return published


def _is_fresh(manifest: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime()


settings = Settings.from_env()
# target/ and logs/ live in the data dir: pipelines sharing one checkout keep separate state.
dbt_project = DbtProject(
    project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=dbt_target_dir(settings)
)
os.environ.setdefault("SPANLEDGER_DATA_DIR", str(settings.data_dir))
# dagster-dbt puts each invocation's folder below DBT_TARGET_PATH (else below the checkout's target/)
os.environ["DBT_TARGET_PATH"] = str(dbt_target_dir(settings))
os.environ.setdefault("DBT_LOG_PATH", str(settings.data_dir / "dbt" / "logs"))
manifest_path = ensure_manifest(settings)

dbt_resource = DbtCliResource(
    project_dir=dbt_project, dbt_executable=dbt_executable(), profiles_dir=str(PROJECT_DIR)
)
