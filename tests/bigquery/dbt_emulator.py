"""dbt on the emulator: a test profile, the emulator's workarounds, and the build the dbt tests share.

The emulator maps bare NUMERIC / BIGNUMERIC to 3 and 5 decimal places (BigQuery: 9 and 38), in casts
and in the columns of views: for dbt on the emulator, the models' casts name the scale (macros/dialect/
casts.sql) and views are built as tables, so money stays exact as on BigQuery. Only dbt runs on the
emulator get them (EMULATOR_TYPES).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from orchestration.compliance.bigquery_export import load_compliance_exports
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.loader import DayLoader, lake_days
from orchestration.warehouse.dbt_runner import PROJECT_DIR, dbt_executable

PROFILE = """
spanledger:
  target: bigquery
  outputs:
    bigquery:
      type: bigquery
      method: oauth-secrets
      token: emulator-needs-no-token
      project: {project}
      dataset: {dataset}
      location: US
      api_endpoint: {endpoint}
      threads: 4
      job_retries: 0
      priority: interactive
"""

# header-only seeds and their column types (dbt_project.yml)
EMPTY_SEEDS = {
    "contract_rates": "provider string, model string, tenant_id string, discount_pct numeric, valid_from date, "
    "valid_to date, contract_name string",
    "tenant_budgets": "tenant_id string, month_start_date date, monthly_budget_usd numeric",
}

EMULATOR_TYPES = {
    "SPANLEDGER_BQ_NUMERIC_TYPE": "numeric(38, 9)",
    "SPANLEDGER_BQ_BIGNUMERIC_TYPE": "numeric(38, 18)",
    "SPANLEDGER_VIEW_MATERIALIZATION": "table",
}


@dataclass
class EmulatorBuild:
    config: BigQueryConfig
    run: subprocess.CompletedProcess
    results: list[dict]
    manifest: dict
    work: Path

    def __iter__(self):  # config, run, results, manifest, work = build
        return iter((self.config, self.run, self.results, self.manifest, self.work))

    def cli_env(self, data_dir: Path) -> dict[str, str]:
        """The environment of `spanledger` (and its dbt, through the project's profile) on this build."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPANLEDGER_")}
        return {
            **env,
            **EMULATOR_TYPES,
            "SPANLEDGER_DATA_DIR": str(data_dir),
            "SPANLEDGER_WAREHOUSE": "bigquery",
            "SPANLEDGER_BQ_API_ENDPOINT": self.config.api_endpoint,
            "SPANLEDGER_BQ_PROJECT": self.config.project,
            "SPANLEDGER_BQ_DATASET": self.config.warehouse_dataset,
            "SPANLEDGER_LAKE_SCHEMA": self.config.lake_dataset,
            "SPANLEDGER_BQ_METHOD": "oauth-secrets",
            "SPANLEDGER_BQ_TOKEN": "emulator-needs-no-token",
        }


def build_on_emulator(
    bq_client, bq_config: BigQueryConfig, landed: Settings, endpoint: str, work: Path
) -> EmulatorBuild:
    """The landed lake loaded into datasets lake_dbt, then `dbt seed` and `dbt run --full-refresh` into dbt_*."""
    config = replace(bq_config, lake_dataset="lake_dbt", warehouse_dataset="dbt")
    DayLoader(bq_client, config, landed).load_days(lake_days(landed))
    load_compliance_exports(bq_client, config, landed)
    (work / "profiles.yml").write_text(
        PROFILE.format(project=config.project, dataset=config.warehouse_dataset, endpoint=endpoint)
    )
    env = dict(
        os.environ,
        SPANLEDGER_WAREHOUSE="bigquery",
        SPANLEDGER_LAKE_SCHEMA=config.lake_dataset,
        SPANLEDGER_DATA_DIR=str(landed.data_dir),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        **EMULATOR_TYPES,
    )

    def dbt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                dbt_executable(),
                *args,
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(work),
                "--target",
                "bigquery",
            ],
            env=env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )

    seeded = dbt("seed")
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    create_empty_seeds(bq_client, config.project, f"{config.warehouse_dataset}_reference")
    run = dbt("run", "--full-refresh")
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    return EmulatorBuild(config, run, results, manifest, work)


def create_empty_seeds(bq_client, project: str, dataset: str) -> None:
    """Emulator artefact: a load job of a header-only CSV creates no table (BigQuery does)."""
    for seed in ("model_prices_overrides",):
        bq_client.query(
            f"create table if not exists `{project}.{dataset}.{seed}` as "
            f"select * from `{project}.{dataset}.model_prices` where false"
        ).result()
    for seed, columns in EMPTY_SEEDS.items():
        bq_client.query(f"create table if not exists `{project}.{dataset}.{seed}` ({columns})").result()


def project_dbt(build: EmulatorBuild, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt with the project's own profile (dbt_project/profiles.yml), as `spanledger` runs it on BigQuery."""
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        env={**build.cli_env(data_dir), "DBT_TARGET_PATH": str(data_dir / "dbt" / "target")},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
