from __future__ import annotations

from dagster import Definitions

from orchestration.defs.quality.checks import lake_checks, mart_checks
from orchestration.defs.quality.freshness import freshness_checks, freshness_sensor
from orchestration.defs.quality.prompt_regressions import prompt_regression_check

defs = Definitions(
    asset_checks=[*lake_checks, *mart_checks, *freshness_checks, prompt_regression_check],
    sensors=[freshness_sensor],
)
