"""Where a data directory lives does not matter: odd characters in its path, a copy, a move.

The golden data directory (tests/hostile_data.py) was generated, landed and built by the command line
in a folder whose name holds a quote, braces, brackets, a star, a dollar, a percent escape and a
non-ASCII letter (glob and SQL metacharacters for DuckDB, format fields for dbt-duckdb); a
copy of it, with the original deleted, reads its own lake.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from tests.built_once import private_copy
from tests.hostile_data import ODD_NAME, spanledger

SPANS_PER_DAY = (
    "select cast(span_date as varchar) as day, count(*) as spans from staging.stg_otlp__spans "
    "group by 1 order by 1"
)


def _lake_spans_per_day(data_dir: Path) -> list[dict]:
    counts = {}
    for folder in sorted((data_dir / "lake" / "spans").glob("date=*")):
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in folder.glob("*.parquet"))
        if rows:
            counts[folder.name.removeprefix("date=")] = rows
    return [{"day": day, "spans": n} for day, n in sorted(counts.items())]


def _query_json(data_dir: Path, sql: str) -> list[dict]:
    proc = spanledger(data_dir, "query", sql, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_build_and_query_where_the_path_holds_quotes_brackets_and_stars(hostile: Path) -> None:
    assert hostile.name == ODD_NAME and all(c in ODD_NAME for c in "'{[*$%")
    assert (hostile / "warehouse.duckdb").exists()  # `spanledger build` succeeded there
    assert _query_json(hostile, SPANS_PER_DAY) == _lake_spans_per_day(hostile)


def test_a_copied_data_dir_reads_its_own_lake_after_the_original_is_gone(
    hostile: Path, tmp_path: Path
) -> None:
    original = private_copy(hostile, tmp_path / "original")
    moved = tmp_path / "elsewhere" / "data"
    shutil.copytree(original, moved)
    shutil.rmtree(original)
    first_day = sorted((moved / "lake" / "spans").glob("date=2026-*"))[0]
    shutil.rmtree(first_day)  # the copy now differs from what the original held
    expected = _lake_spans_per_day(moved)
    assert expected and first_day.name.removeprefix("date=") not in {r["day"] for r in expected}
    assert _query_json(moved, SPANS_PER_DAY) == expected
