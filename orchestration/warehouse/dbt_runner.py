"""Run `dbt build` on the warehouse project as a subprocess, without Dagster.

The dbt project lives in `dbt_project/` next to this package. Everything that differs between
pipelines hangs off the data directory: the DuckDB file and the lake (through SPANLEDGER_DATA_DIR,
read by profiles.yml and the sources), and dbt's target/ and logs/ (so two pipelines sharing one
checkout never overwrite each other's manifest or partial-parse state).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (the venv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("dbt is not installed in this environment (uv sync installs it)")
    return found


def dbt_target_dir(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "target"


def dbt_log_dir(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "logs"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for a dbt subprocess of this pipeline."""
    env = dict(os.environ)
    env["SPANLEDGER_DATA_DIR"] = str(settings.data_dir)
    env["SPANLEDGER_WAREHOUSE"] = settings.warehouse
    env["DBT_TARGET_PATH"] = str(dbt_target_dir(settings))
    env["DBT_LOG_PATH"] = str(dbt_log_dir(settings))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def date_vars(min_date: date | str | None, max_date: date | str | None) -> dict[str, str]:
    """The incremental window (inclusive dates); empty means every date."""
    out: dict[str, str] = {}
    if min_date is not None:
        out["min_date"] = str(min_date)
    if max_date is not None:
        out["max_date"] = str(max_date)
    return out


@dataclass
class DbtBuildResult:
    returncode: int
    seconds: float
    command: list[str]
    statuses: Counter[str] = field(default_factory=Counter)  # pass / warn / error / fail / skip ...
    failures: list[str] = field(default_factory=list)  # unique ids of nodes that errored or failed
    log_path: Path | None = None
    output_tail: str = ""

    @property
    def success(self) -> bool:
        return self.returncode == 0

    @property
    def summary(self) -> str:
        counts = " ".join(f"{k.upper()}={v}" for k, v in sorted(self.statuses.items()))
        return f"{counts or 'no results'} in {self.seconds:.1f}s"


def run_dbt(
    settings: Settings,
    args: list[str],
    *,
    vars: dict[str, str] | None = None,
    stream: bool = False,
) -> DbtBuildResult:
    """Run any dbt command (`["build"]`, `["parse"]`, ...) for this pipeline's data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    if vars:
        command += ["--vars", json.dumps(vars)]
    started = time.monotonic()
    proc = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=dbt_env(settings),
        stdout=None if stream else subprocess.PIPE,
        stderr=None if stream else subprocess.STDOUT,
        text=True,
        check=False,
    )
    result = DbtBuildResult(
        returncode=proc.returncode,
        seconds=time.monotonic() - started,
        command=command,
        log_path=dbt_log_dir(settings) / "dbt.log",
        output_tail="\n".join((proc.stdout or "").splitlines()[-40:]),
    )
    run_results = dbt_target_dir(settings) / "run_results.json"
    if run_results.exists() and run_results.stat().st_mtime >= time.time() - result.seconds - 5:
        for node in json.loads(run_results.read_text()).get("results", []):
            status = str(node.get("status", "unknown")).lower()
            result.statuses[status] += 1
            if status in {"error", "fail", "runtime error"}:
                result.failures.append(node.get("unique_id", "?"))
    return result


def run_dbt_build(
    settings: Settings,
    min_date: date | str | None = None,
    max_date: date | str | None = None,
    full_refresh: bool = False,
    select: str | None = None,
    stream: bool = False,
) -> DbtBuildResult:
    """`dbt build` (seeds, models, tests): everything, or the dates min_date..max_date (inclusive)
    of the incremental models; a full refresh rebuilds incremental models from the whole lake."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    return run_dbt(settings, args, vars=date_vars(min_date, max_date), stream=stream)
