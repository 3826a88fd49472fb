"""A BigQuery emulator for the session, a small landed lake, and a client on the emulator."""

from __future__ import annotations

import pytest

from orchestration.settings import Settings
from orchestration.warehouse.bigquery.config import BigQueryConfig
from tests.bigquery.emulator import PROJECT, emulator_python, start_emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    try:
        python = emulator_python()
    except Exception as err:  # noqa: BLE001 - no registry, no uv, a broken wheel: say so, do not fail the suite
        pytest.skip(f"BigQuery emulator environment could not be built: {err}")
    emu = start_emulator(python, tmp_path_factory.mktemp("bq-emulator"))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def bq_config(emulator) -> BigQueryConfig:
    return BigQueryConfig(
        project=PROJECT,
        location="US",
        lake_dataset="lake",
        warehouse_dataset="spanledger",
        api_endpoint=emulator.endpoint,
        day_replace="merge",
    )


@pytest.fixture(scope="session")
def bq_client(bq_config):
    from orchestration.warehouse.bigquery.client import make_client

    return make_client(bq_config)


@pytest.fixture(scope="session")
def landed(tmp_path_factory) -> Settings:
    """Two days of generated telemetry (ending yesterday, inside every retention class), landed."""
    from orchestration.generator import GeneratorConfig, generate
    from orchestration.landing import land

    settings = Settings.from_env(tmp_path_factory.mktemp("bq-lake"))
    generate(GeneratorConfig(out_dir=settings.inbox_dir, days=2, tenants=3, requests_per_day=60, seed=7))
    land(settings, [settings.inbox_dir], settle_seconds=0, workers=1)
    return settings


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory, bq_client, bq_config, landed, emulator):
    """`landed` built by dbt-bigquery on the emulator (tests/bigquery/dbt_emulator.py). Session-wide:
    test_dbt_bigquery.py reads it, then test_dbt_bigquery_chargeback.py (sorted after it) changes it."""
    from tests.bigquery.dbt_emulator import build_on_emulator

    return build_on_emulator(
        bq_client, bq_config, landed, emulator.endpoint, tmp_path_factory.mktemp("dbt-bq")
    )


@pytest.fixture(scope="session")
def duckdb_twin(dbt_build, landed, tmp_path_factory) -> Settings:
    """The same landed lake, built on DuckDB."""
    from orchestration.warehouse.dbt_runner import run_dbt_build
    from tests.built_once import private_copy

    settings = Settings.from_env(private_copy(landed.data_dir, tmp_path_factory.mktemp("twin") / "data"))
    result = run_dbt_build(settings)
    assert result.success, f"{result.summary} {result.failures}"
    return settings
