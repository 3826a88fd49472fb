"""A BigQuery emulator for the session, a small landed lake, and a client on the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.bigquery.config import BigQueryConfig
from tests.bigquery.emulator import PROJECT, emulator_python, start_emulator

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    try:
        python = emulator_python()
    except Exception as err:  # no registry, no uv, a broken wheel: say so, do not fail the suite
        pytest.skip(f"BigQuery emulator environment could not be built: {err}")
    emu = start_emulator(python, tmp_path_factory.mktemp("bq-emulator"))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def bq_config(emulator) -> BigQueryConfig:
    return BigQueryConfig(project=PROJECT, location="US", lake_dataset="lake", warehouse_dataset="spanledger",
                          api_endpoint=emulator.endpoint, day_replace="merge")


@pytest.fixture(scope="session")
def bq_client(bq_config):
    from orchestration.warehouse.bigquery.client import make_client

    return make_client(bq_config)


@pytest.fixture(scope="session")
def landed(tmp_path_factory) -> Settings:
    """Two days of generated telemetry, landed into a Parquet lake."""
    data = tmp_path_factory.mktemp("bq-lake")
    env = dict(os.environ, SPANLEDGER_DATA_DIR=str(data))
    cli = [sys.executable, "-m", "orchestration.cli", "--data-dir", str(data)]
    subprocess.run([*cli, "generate", "--days", "2", "--tenants", "3", "--requests-per-day", "60"], check=True, env=env, capture_output=True, cwd=REPO)
    subprocess.run([*cli, "land", "--settle-seconds", "0"], check=True, env=env, capture_output=True, cwd=REPO)
    return Settings.from_env(data)
