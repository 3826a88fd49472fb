"""Scan the lake: read every Parquet file's footer and schema; find files the manifest expects.

Corrupt files (truncated, overwritten, not Parquet) and files with the wrong schema are reported with
their path. A file is missing when the manifest says a landed input wrote rows to a date whose
folder still exists but none of that input's files are in it (retention removes whole date folders,
which is not a loss).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lake.compaction import sources_of
from orchestration.lake.schema import LAKE_TABLES, schema_difference
from orchestration.quality.data import SCHEMA_DAY
from orchestration.settings import Settings


@dataclass
class LakeProblem:
    path: str
    problem: str  # corrupt | schema | missing, with detail
    table: str | None = None
    day: str | None = None


def _file_problem(path: Path, table: str) -> tuple[str | None, pa.Schema | None]:
    """(what is wrong with the file or None, its Arrow schema when the footer could be read)."""
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (OSError, pa.ArrowException) as err:
        return (
            f"corrupt: cannot read the Parquet footer ({type(err).__name__}: {str(err).splitlines()[0]})",
            None,
        )
    difference = schema_difference(LAKE_TABLES[table], schema)
    if difference:
        return f"schema: {difference}", schema
    if metadata.num_rows and metadata.num_row_groups == 0:
        return "corrupt: rows but no row groups", schema
    return None, schema


def scan_lake(settings: Settings) -> tuple[int, list[LakeProblem]]:
    """(files scanned, problems) over every table and date of the lake."""
    problems: list[LakeProblem] = []
    scanned = 0
    present: dict[tuple[str, str], set[str]] = {}
    for table in LAKE_TABLES:
        root = settings.table_dir(table)
        if not root.is_dir():
            continue
        for folder in sorted(root.glob("date=*")):
            day = folder.name.removeprefix("date=")
            names = present.setdefault((table, day), set())
            for path in sorted(folder.glob("*.parquet")):
                scanned += 1
                problem, schema = _file_problem(path, table)
                # a compacted file stands for the landed files it was merged from
                names.update(sources_of(path, schema) if schema is not None else [path.stem])
                if problem:
                    problems.append(LakeProblem(str(path), problem, table, day))
    problems += _missing_files(settings, present)
    return scanned, problems


def _missing_files(settings: Settings, present: dict[tuple[str, str], set[str]]) -> list[LakeProblem]:
    if not settings.manifest_path.exists():
        return []
    from orchestration.manifest import Manifest

    manifest = Manifest(settings.manifest_path, read_only=True)
    try:
        files = [f for f in manifest.files() if f["status"] == "landed"]
    finally:
        manifest.close()
    problems = []
    for record in files:
        prefix = record["file_id"][:24]
        rows = json.loads(record.get("rows_json") or "{}")
        for table, days in json.loads(record.get("days_json") or "{}").items():
            if table not in LAKE_TABLES or not rows.get(table, 1):
                continue
            for day in days:
                names = present.get((table, day))
                if day == SCHEMA_DAY or names is None:
                    continue  # the whole date is gone: retention, not loss
                if not any(n.startswith(prefix) for n in names):
                    expected = settings.table_dir(table) / f"date={day}" / f"{prefix}-*.parquet"
                    problems.append(
                        LakeProblem(
                            str(expected),
                            f"missing: landed from {record['path']} but no file in the partition",
                            table,
                            day,
                        )
                    )
    return problems
