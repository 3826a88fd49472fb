from __future__ import annotations

import shutil
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
