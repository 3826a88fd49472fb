"""The warehouse under faults, with real processes: `spanledger check` on a real build, a build killed
by SIGKILL (the previous marts stay readable, a rerun succeeds), and two writers at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.warehouse.dbt_runner import build_copy_path, run_dbt_build, warehouse_write_lock
from tests.quality.conftest import generated_lake

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from orchestration.cli import run_cli; run_cli()"]
MARTS = (
    "finops.fct_llm_costs_daily",
    "finops.fct_chargeback_monthly",
    "reliability.fct_tenant_latency_daily",
    "evals.fct_eval_candidates",
    "intermediate.int_llm_calls_priced",
)


def _env(settings, **extra: str) -> dict[str, str]:
    return {**os.environ, "SPANLEDGER_DATA_DIR": str(settings.data_dir), "COLUMNS": "200", **extra}


def _marts(settings) -> dict[str, list[tuple]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {m: con.execute(f"select * from {m} order by all").fetchall() for m in MARTS}


# Recent dates: the warehouse's retention tests fail on rows older than the retention period.
FIRST_DAY = datetime.now(UTC).date() - timedelta(days=6)
NEW_DAY = FIRST_DAY + timedelta(days=3)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    settings = generated_lake(
        tmp_path_factory.mktemp("warehouse") / "data", days=3, requests_per_day=40, first_day=FIRST_DAY
    )
    result = run_dbt_build(settings)
    assert result.success and result.published, result.output_tail
    return settings


def test_check_runs_every_suite_and_dbt_test(warehouse):
    proc = subprocess.run(
        [*CLI, "check"],
        cwd=REPO,
        env=_env(warehouse),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "PASSED" in proc.stdout and "dbt test: PASS=" in proc.stdout
    assert "mart.finops.fct_llm_costs_daily" in proc.stdout and "lake.spans" in proc.stdout
    page = (warehouse.reports_dir / "quality" / "index.html").read_text()
    assert "expect_column_values_to_be_between" in page and "PASSED" in page


def test_sigkill_during_build_keeps_the_previous_marts_and_a_rerun_succeeds(warehouse):
    before = _marts(warehouse)
    # new data, so that a completed build would change the marts
    generate(
        GeneratorConfig(
            out_dir=warehouse.data_dir / "more",
            days=1,
            start_date=NEW_DAY,
            tenants=3,
            requests_per_day=40,
            seed=12,
        )
    )
    land(warehouse, [warehouse.data_dir / "more"], settle_seconds=0)

    build = subprocess.Popen(
        [*CLI, "build"],
        cwd=REPO,
        env=_env(warehouse),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    copy = build_copy_path(warehouse)
    deadline = time.monotonic() + 120
    while not (copy.exists() and copy.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(4)  # well into the models: dbt has rebuilt some tables in the copy
    assert build.poll() is None, "the build finished before it could be killed"
    os.killpg(build.pid, signal.SIGKILL)
    build.wait()

    assert _marts(warehouse) == before  # readable, and exactly the previous build
    result = run_dbt_build(warehouse, lock_timeout=10)  # the killed build's lock died with it
    assert result.success and result.published, result.output_tail
    after = _marts(warehouse)
    assert after != before
    days = {row[1] for row in after["finops.fct_llm_costs_daily"]}
    assert NEW_DAY in days
    assert not copy.exists()


def test_second_writer_waits_then_fails_clearly(warehouse):
    with warehouse_write_lock(warehouse, timeout=1, purpose="test holder"):
        started = time.monotonic()
        proc = subprocess.run(
            [*CLI, "build"],
            cwd=REPO,
            env=_env(warehouse, SPANLEDGER_WAREHOUSE_LOCK_TIMEOUT="2"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        waited = time.monotonic() - started
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert (
        "being written by another process" in message
        and "test holder" in message
        and str(os.getpid()) in message
    )
    assert waited >= 2


def test_second_writer_queues_until_the_first_is_done(warehouse):
    waiter = (
        "import sys, time\n"
        "from orchestration.settings import Settings\n"
        "from orchestration.warehouse.dbt_runner import warehouse_write_lock\n"
        "print('ready', flush=True)\n"
        "t = time.monotonic()\n"
        "with warehouse_write_lock(Settings.from_env(sys.argv[1]), timeout=30):\n"
        "    print(f'{time.monotonic() - t:.2f}')\n"
    )
    with warehouse_write_lock(warehouse, timeout=1):
        proc = subprocess.Popen(
            [sys.executable, "-c", waiter, str(warehouse.data_dir)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"  # imports done (slow on a busy machine)
        time.sleep(1.5)
        assert proc.poll() is None  # still waiting
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and float(out) >= 1.0


def test_check_shows_counts_below_their_thresholds_and_the_setting_moves_the_threshold(warehouse):
    """Issue 23, item 8: "PASSED, 0 warn" never hides calls without a provider; the threshold is a setting."""
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        missing, calls = con.execute(
            "select count(*) filter (where provider_name is null), count(*) from intermediate.int_llm_calls_priced"
        ).fetchone()
    percent = 100 * missing / calls
    assert 0 < percent < 10, "the generated calls include some without a provider, below the default 10%"
    counted = f"{missing:,} calls without provider ({percent:.1f}% of {calls:,}, warn at "
    variable = "SPANLEDGER_QUALITY_WARN_CALLS_WITHOUT_PROVIDER_PCT"

    def check(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*CLI, "check", "--skip-dbt"],
            cwd=REPO,
            env=_env(warehouse, **env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def calls_suite_status(stdout: str) -> str:
        return next(
            line for line in stdout.splitlines() if ",mart.intermediate.int_llm_calls_priced," in line
        )

    default = check()
    assert default.returncode == 0, default.stdout[-3000:] + default.stderr[-3000:]
    assert f"{counted}10%)" in default.stdout and f"over {counted}" not in default.stdout
    assert calls_suite_status(default.stdout).startswith("pass,")

    lowered = f"{percent / 2:.2f}"
    warned = check(**{variable: lowered})
    assert warned.returncode == 0, "a warning never fails the check"
    assert f"over {counted}{float(lowered):g}%)" in warned.stdout
    assert calls_suite_status(warned.stdout).startswith("warn,")

    wrong = check(**{variable: "ten"})
    assert wrong.returncode == 2
    assert f"{variable}='ten': a percentage from 0 to 100 is expected" in wrong.stderr
