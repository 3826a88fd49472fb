"""The production layout (deploy/, docs/deployment.md) on a real PostgreSQL server (issue 23, item 9).

The test starts its own PostgreSQL (Debian's `postgresql` package: initdb + pg_ctl in a temporary
folder, on a free loopback port), puts deploy/dagster.yaml in DAGSTER_HOME, turns the new-files sensor on
with `dagster sensor start` and runs the real `dagster-daemon` on deploy/workspace.yaml: the sensor sees
an OTLP file in the inbox, asks for a landing run, the daemon's queue launches it and the file lands.
The hourly landing schedule is started too, as if just before its latest cron time, so the
daemon's scheduler finds that tick due and launches its run. Runs (by the sensor or schedule that asked
for them), ticks and events are then read back from PostgreSQL's own tables.
Skipped, with the reason, where no PostgreSQL server binaries are installed (scripts/test.sh installs
them as root). Not covered: the webserver, the container build.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "samples" / "otel-proto_examples_trace.json"
BIN = Path(sys.executable).parent


def _postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the package's `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture()
def postgres():
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip(
            "no PostgreSQL server binaries (apt-get install postgresql; scripts/test.sh does as root)"
        )
    # not under pytest's root-only temporary folder: the server's user must reach its directory
    server = Path(tempfile.mkdtemp(prefix="spanledger-pg-"))
    if os.geteuid() == 0:
        shutil.chown(server, "postgres")
    port = _free_port()
    options = f"-p {port} -k {server} -c listen_addresses=127.0.0.1"
    for command in (
        [initdb, "-D", str(server / "data"), "-A", "trust", "-U", "dagster"],
        [pg_ctl, "-D", str(server / "data"), "-o", options, "-l", str(server / "log"), "-w", "start"],
    ):
        proc = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{command[0]} failed: {proc.stdout}{proc.stderr}"
    try:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=port, user="dagster", dbname="postgres")
        con.set_session(autocommit=True)
        con.cursor().execute("create database dagster")
        con.close()
        yield port
    finally:
        stop = [pg_ctl, "-D", str(server / "data"), "-m", "fast", "stop"]
        subprocess.run(_as_server_user(stop), capture_output=True, check=False)
        shutil.rmtree(server, ignore_errors=True)


def _dagster(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dagster"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _turned_on_before_its_last_tick(env: dict[str, str], name: str, monkeypatch: pytest.MonkeyPatch) -> float:
    """As if the schedule had been turned on just before its latest cron time (`5 * * * *`): the daemon's
    scheduler then finds that tick due and launches its run, the path of every real tick. (A cron time
    cannot be waited for here; the schedule's state in PostgreSQL is what the daemon reads.)"""
    from dagster import DagsterInstance
    from dagster._core.definitions.run_request import InstigatorType
    from dagster._core.scheduler.instigation import ScheduleInstigatorData

    for key in ("DAGSTER_HOME", "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB", "DAGSTER_PG_USER"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "")
    now = datetime.now(UTC)
    last_tick = now.replace(minute=5, second=0, microsecond=0)
    if last_tick > now:
        last_tick -= timedelta(hours=1)
    with DagsterInstance.get() as instance:
        [state] = [
            s
            for s in instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
            if s.instigator_name == name
        ]
        cron = state.instigator_data.cron_schedule
        start = (last_tick - timedelta(minutes=1)).timestamp()
        instance.update_instigator_state(state.with_data(ScheduleInstigatorData(cron, start_timestamp=start)))
    return start


def _ticks_due(start: float) -> int:
    """The schedule's ticks (`5 * * * *`) from `start` to now: 1, or 2 when the test ran across a tick."""
    tick = datetime.fromtimestamp(start, UTC).replace(minute=5, second=0, microsecond=0)
    if tick.timestamp() <= start:
        tick += timedelta(hours=1)
    due = 0
    while tick <= datetime.now(UTC):
        due, tick = due + 1, tick + timedelta(hours=1)
    return due


def _runs_by_instigator(db) -> dict[str, list[str]]:
    """Statuses of the landing runs, by the sensor or schedule that asked for them."""
    with db.cursor() as cur:
        cur.execute(
            "select t.value, r.status from runs r join run_tags t on t.run_id = r.run_id "
            "where r.pipeline_name = 'landing_job' "
            "and t.key in ('dagster/sensor_name', 'dagster/schedule_name') order by r.id"
        )
        runs: dict[str, list[str]] = {}
        for instigator, status in cur.fetchall():
            runs.setdefault(instigator, []).append(status)
    return runs


def test_a_sensor_run_and_a_scheduled_tick_end_to_end_on_a_postgres_instance(
    postgres: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    home, data_dir = tmp_path / "dagster-home", tmp_path / "data"
    home.mkdir()
    shutil.copyfile(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    (data_dir / "inbox").mkdir(parents=True)
    shutil.copyfile(SAMPLE, data_dir / "inbox" / "traces.json")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SPANLEDGER_DATA_DIR": str(data_dir),
        "SPANLEDGER_SETTLE_SECONDS": "0",
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres),
        "DAGSTER_PG_DB": "dagster",
        "DAGSTER_PG_USER": "dagster",
        "DAGSTER_PG_PASSWORD": "",
    }
    started = _dagster(env, "sensor", "start", "new_otlp_files_sensor", "-w", "deploy/workspace.yaml")
    assert started.returncode == 0, started.stdout + started.stderr
    started = _dagster(env, "schedule", "start", "landing_hourly", "-w", "deploy/workspace.yaml")
    assert started.returncode == 0, started.stdout + started.stderr
    turned_on = _turned_on_before_its_last_tick(env, "landing_hourly", monkeypatch)

    log_path = tmp_path / "daemon.log"
    log = log_path.open("w")
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", "deploy/workspace.yaml"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    db = psycopg2.connect(host="127.0.0.1", port=postgres, user="dagster", dbname="dagster")
    db.set_session(autocommit=True)
    try:
        deadline, runs, expected = time.monotonic() + 300, {}, None
        while time.monotonic() < deadline and runs != expected:
            time.sleep(3)
            runs = _runs_by_instigator(db)
            # one run a tick: one, or two when the test crossed the next tick (xx:05) while it ran
            expected = {
                "new_otlp_files_sensor": ["SUCCESS"],
                "landing_hourly": ["SUCCESS"] * _ticks_due(turned_on),
            }
            assert "FAILURE" not in str(runs), log_path.read_text()[-3000:]
            assert daemon.poll() is None, log_path.read_text()[-3000:]
        assert runs == expected, f"{runs}: {log_path.read_text()[-3000:]}"
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()

    assert sorted((data_dir / "lake" / "spans").rglob("*.parquet")), "the sensor's run landed nothing"
    with db.cursor() as cur:
        cur.execute("select tick_body from job_ticks")
        bodies = [body for (body,) in cur.fetchall()]
        assert any("new_otlp_files_sensor" in body for body in bodies), "no tick of the sensor"
        scheduled = [body for body in bodies if "landing_hourly" in body]
        assert any("SUCCESS" in body for body in scheduled), f"no successful scheduled tick: {scheduled}"
        cur.execute("select count(*) from event_logs where asset_key like '%landing%'")
        assert cur.fetchone()[0] >= 1
    db.close()
    assert not list(home.glob("**/*.db")), "no SQLite storage beside PostgreSQL"
