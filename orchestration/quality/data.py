"""What the suites look at: one lake partition or one mart, as a pandas frame, plus volume history.

Lake files are read one by one so that an unreadable file is reported with its path. Marts are read
through a read-only DuckDB connection (GX's SQL path does not work with duckdb 2 + SQLAlchemy 2.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lake.schema import LAKE_TABLES, schema_difference
from orchestration.settings import Settings

SCHEMA_DAY = "1970-01-01"  # the zero-row schema files that keep readers' globs valid


@dataclass
class PartitionData:
    table: pa.Table | None
    files: list[Path]
    unreadable: dict[str, str] = field(default_factory=dict)  # path -> error
    schema_mismatches: dict[str, str] = field(default_factory=dict)  # path -> differing columns


def partition_dir(settings: Settings, table: str, day: date | str) -> Path:
    return settings.table_dir(table) / f"date={day}"


def partition_files(settings: Settings, table: str, day: date | str) -> list[Path]:
    folder = partition_dir(settings, table, day)
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def lake_days(settings: Settings, table: str) -> list[str]:
    """Partition dates of a table that hold data files, oldest first."""
    root = settings.table_dir(table)
    if not root.is_dir():
        return []
    days = []
    for folder in root.glob("date=*"):
        day = folder.name.removeprefix("date=")
        if day != SCHEMA_DAY and any(folder.glob("*.parquet")):
            days.append(day)
    return sorted(days)


def read_partition(settings: Settings, table: str, day: date | str) -> PartitionData:
    """Every file of the partition, cast to the lake schema; unreadable files are listed, not raised."""
    files = partition_files(settings, table, day)
    parts: list[pa.Table] = []
    unreadable: dict[str, str] = {}
    mismatches: dict[str, str] = {}
    for path in files:
        try:
            part = pq.read_table(path)
        except (OSError, pa.ArrowException) as err:
            unreadable[str(path)] = f"{type(err).__name__}: {err}"
            continue
        difference = schema_difference(LAKE_TABLES[table], part.schema)
        if difference:
            mismatches[str(path)] = difference
        parts.append(part)
    if not parts:
        return PartitionData(
            None if unreadable else LAKE_TABLES[table].empty_table(), files, unreadable, mismatches
        )
    return PartitionData(pa.concat_tables(parts, promote_options="permissive"), files, unreadable, mismatches)


def row_count(path: Path) -> int | None:
    """Rows of a Parquet file from its footer; None when the footer cannot be read."""
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, pa.ArrowException):
        return None


def daily_row_counts(settings: Settings, table: str, before: date | str, days: int) -> list[int]:
    """Row counts of up to `days` earlier partitions that hold data (footers only), oldest first."""
    earlier = [d for d in lake_days(settings, table) if d < str(before)][-days:]
    counts = []
    for day in earlier:
        rows = [row_count(p) for p in partition_files(settings, table, day)]
        counts.append(sum(r for r in rows if r is not None))
    return counts


def read_mart(
    settings: Settings,
    relation: str,
    columns: list[str] | None = None,
    date_column: str | None = None,
    day: date | str | None = None,
):
    """A mart (or one of its dates) as a pandas frame, read-only."""
    import duckdb

    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    sql = f"select {select} from {relation}"
    params: list[object] = []
    if date_column and day is not None:
        sql += f" where {date_column} = ?::date"
        params.append(str(day))
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params).df()
