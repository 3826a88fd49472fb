"""Shared fixtures: one small all-formats dataset per session (generation is the slow part)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.generator import FORMATS, GenerationSummary, GeneratorConfig, generate

START = date(2025, 3, 1)


def small_config(out_dir: Path, **overrides) -> GeneratorConfig:
    settings = {
        "out_dir": out_dir,
        "days": 2,
        "start_date": START,
        "tenants": 4,
        "requests_per_day": 120,
        "seed": 7,
        "traces_per_file": 80,
    }
    settings.update(overrides)
    return GeneratorConfig(**settings)


@pytest.fixture(scope="session")
def all_formats(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratorConfig, GenerationSummary]:
    config = small_config(tmp_path_factory.mktemp("all_formats"), formats=FORMATS)
    return config, generate(config)
