"""Telemetry written by the real provider SDKs and instrumentation libraries, landed and built once.

Each stack of instrumented_app.py runs in its own process (instrumentors patch the SDKs globally),
against its own fake API on loopback; the files land into one data directory and a real `dbt build`
makes the warehouse the tests read, beside the ledgers of what the fake APIs billed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build
from tests.built_once import built_once
from tests.conventions.model_names import otlp_lines

STACKS = ("anthropic+openllmetry", "anthropic+openinference", "openai+openinference+otel")
APP = Path(__file__).with_name("instrumented_app.py")


def _build(data_dir: Path) -> None:
    inbox = data_dir.parent / "exports"
    inbox.mkdir(parents=True)
    for stack in STACKS:
        name = stack.replace("+", "-")
        subprocess.run(
            [
                sys.executable,
                str(APP),
                stack,
                str(inbox / f"{name}.binpb"),
                str(data_dir.parent / f"{name}.json"),
            ],
            check=True,
            timeout=300,
        )
    (inbox / "model-names.jsonl").write_text(otlp_lines())
    settings = Settings.from_env(data_dir)
    report = land(settings, [inbox], settle_seconds=0, final=True)
    assert report.records_quarantined == 0, report.summary()
    result = run_dbt_build(settings)
    assert result.success, f"dbt build failed: {result.summary} {result.failures}\n{result.output_tail}"


@pytest.fixture(scope="session")
def instrumented_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(built_once(tmp_path_factory, "conventions-warehouse", _build))


@pytest.fixture(scope="session")
def billed(instrumented_warehouse: Settings) -> list[dict]:
    """Every request the fake APIs answered, as they billed it."""
    root = instrumented_warehouse.data_dir.parent
    return [
        entry
        for stack in STACKS
        for entry in json.loads((root / f"{stack.replace('+', '-')}.json").read_text())
    ]


def rows(settings: Settings, sql: str) -> list[dict]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
