from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SPANLEDGER_HMAC_KEY", "test-key")
    return Settings.from_env(tmp_path / "data")


@pytest.fixture
def inbox(settings: Settings) -> Path:
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    return settings.inbox_dir


def copy_samples(target: Path, invalid: bool = False) -> list[Path]:
    source = SAMPLES / "invalid" if invalid else SAMPLES
    copied = []
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix in (".json", ".jsonl"):
            copied.append(Path(shutil.copy(path, target / path.name)))
    return copied


def lake_rows(settings: Settings, table: str, columns: str = "count(*)") -> list[tuple]:
    pattern = str(settings.lake_dir / table / "*" / "*.parquet")
    with duckdb.connect() as con:
        return con.execute(
            f"select {columns} from read_parquet('{pattern}', hive_partitioning=true)"
        ).fetchall()


def quarantine_rows(settings: Settings) -> list[dict]:
    files = list(settings.quarantine_dir.glob("date=*/*.parquet"))
    if not files:
        return []
    with duckdb.connect() as con:
        cursor = con.execute("select * from read_parquet(?)", [[str(f) for f in files]])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def sigkill_at_random(
    command: list[str], env: dict, duration: float, runs: int, seed: int, earliest: float
) -> int:
    """Start `command` `runs` times and SIGKILL it at a random moment of its usual `duration` (from
    `earliest` of it on); how many runs were killed rather than finished."""
    rng = random.Random(seed)
    kills = 0
    for _ in range(runs):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(earliest, 0.9) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    return kills
