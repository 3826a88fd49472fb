"""A real warehouse for the report tests: generated telemetry over a month boundary, landed, built by dbt.

Built once per test run (~40 s), whatever the number of xdist workers. January is the previous month, February the report month, so the
month-over-month numbers have something to compare.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.generator.skills import write_catalog
from orchestration.landing import land
from orchestration.reports.chargeback import Month
from orchestration.settings import Settings
from orchestration.skills.snapshot import take_snapshot
from orchestration.warehouse.dbt_runner import run_dbt, run_dbt_build, warehouse_write_lock
from tests.built_once import built_once, private_copy

REPORT_MONTH = Month(date(2025, 2, 1))


def _build(data_dir: Path) -> None:
    settings = Settings.from_env(data_dir)
    generate(
        GeneratorConfig(
            out_dir=settings.inbox_dir, days=10, start_date=date(2025, 1, 26), requests_per_day=40, seed=8
        )
    )
    land(settings, settle_seconds=0)
    skills = data_dir / "skills-demo"  # the generator's skills catalog, as of the first day
    take_snapshot(settings, write_catalog(skills), skills / "home" / ".claude", date(2025, 1, 26))
    result = run_dbt_build(settings)
    assert result.success, f"dbt build failed: {result.summary} {result.failures}\n{result.output_tail}"


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Built once per run; each worker reads and writes its own copy."""
    golden = built_once(tmp_path_factory, "reports-golden", _build)
    return Settings.from_env(private_copy(golden, tmp_path_factory.mktemp("reports") / "data"))


@pytest.fixture(scope="session")
def report(warehouse: Settings):
    from orchestration.reports.publish import make_chargeback_report

    return make_chargeback_report(
        warehouse.warehouse_path, REPORT_MONTH, warehouse.reports_dir / "chargeback"
    )


def add_contract(settings: Settings, values: str) -> None:
    """A contract row straight into the seed's table (a build without seeds keeps it)."""
    import duckdb

    with warehouse_write_lock(settings), duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"insert into reference.contract_rates values {values}")


def rebuild_chargeback(
    settings: Settings,
    *more: str,
    exclude: str = "resource_type:seed",
    extra: tuple[str, ...] = (),
    vars: dict[str, str] | None = None,
) -> None:
    """dbt build of the chargeback marts and all they read (plus `more` selectors), without `exclude`."""
    selected = ["+fct_chargeback_focus_monthly", "+fct_chargeback_breakdowns_monthly"]
    built = run_dbt(
        settings, ["build", "--select", *more, *selected, "--exclude", exclude, *extra], vars=vars
    )
    assert built.success, built.output_tail
