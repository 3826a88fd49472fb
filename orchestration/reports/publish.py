"""Write a month's chargeback (CSV, Parquet, HTML, summary) into its folder, all or nothing.

The files are written and fsync'd in a hidden sibling folder, which then replaces
`<out>/<YYYY-MM>/` by two renames: a reader sees the previous complete report or the new complete
one (or, for the instant between the renames, no folder), never half of a run.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.reports.chargeback import ChargebackData, Month, load
from orchestration.reports.focus import COLUMNS
from orchestration.reports.html import compared_span, render_html
from orchestration.reports.marts import Marts
from orchestration.reports.safe_text import csv_text


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    csv: Path
    parquet: Path
    html: Path
    summary: Path
    rows: int
    total_cost_usd: Decimal

    def to_dict(self) -> dict[str, str | int]:
        return {
            "folder": str(self.folder),
            "csv": str(self.csv),
            "parquet": str(self.parquet),
            "html": str(self.html),
            "summary": str(self.summary),
            "rows": self.rows,
            "total_cost_usd": str(self.total_cost_usd),
        }


def make_chargeback_report(source: Marts | Path, month: Month, out_dir: Path) -> ReportFiles:
    """Read the month from the marts (a DuckDB file or marts.py's reader) and publish out_dir/<YYYY-MM>/."""
    return publish(load(source, month), out_dir)


def publish(data: ChargebackData, out_dir: Path) -> ReportFiles:
    name = f"chargeback-{data.month}"
    final = out_dir / str(data.month)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data.month}.", suffix=".tmp", dir=out_dir))
    try:
        write_csv(data.focus_rows, staging / f"{name}.csv")
        write_parquet(data.focus_rows, staging / f"{name}.parquet")
        (staging / f"{name}.html").write_text(render_html(data), encoding="utf-8")
        total = sum((r["BilledCost"] for r in data.focus_rows), Decimal(0))
        summary = {
            "month": str(data.month),
            "rows": len(data.focus_rows),
            "billed_cost_usd": str(total),
            "mart_total_cost_usd": str(data.billed_cost),
            "currency": "USD",
            "first_day": str(data.first_day),
            "last_day": str(data.last_day),
            "is_partial_month": data.is_partial,
            "is_previous_month_partial": bool(data.total["is_previous_month_partial"]),
            "compared_day_count": data.total["compared_day_count"],
            "like_for_like_change_ratio": data.total["like_for_like_change_ratio"],
            "month_over_month": compared_span(data),
            "generated_at": data.generated_at.isoformat(timespec="seconds"),
        }
        (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        for path in staging.iterdir():
            _fsync(path)
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700
        _replace_dir(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReportFiles(
        folder=final,
        csv=final / f"{name}.csv",
        parquet=final / f"{name}.parquet",
        html=final / f"{name}.html",
        summary=final / "summary.json",
        rows=len(data.focus_rows),
        total_cost_usd=total,
    )


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row[k]) for k in COLUMNS})


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return csv_text(value)  # no leading formula, no control characters (safe_text.py)
    return str(value)


_ARROW_TYPES = {
    "string": pa.string(),
    "string?": pa.string(),
    "json": pa.string(),
    "decimal": pa.decimal128(38, 9),
    "decimal?": pa.decimal128(38, 9),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
    "datetime": pa.timestamp("s", tz="UTC"),
}


def write_parquet(rows: list[dict], path: Path) -> None:
    from orchestration.reports.focus import parse_datetime

    schema = pa.schema([pa.field(name, _ARROW_TYPES[kind]) for name, kind in COLUMNS.items()])
    columns = {}
    for name, kind in COLUMNS.items():
        values = [r[name] for r in rows]
        if kind == "datetime":
            values = [parse_datetime(v) for v in values]
        columns[name] = values
    pq.write_table(pa.table(columns, schema=schema), path)


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _replace_dir(new: Path, final: Path) -> None:
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
    new.rename(final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
