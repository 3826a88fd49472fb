"""Erasure of one subject over a large lake: seconds, and files rewritten versus files in the lake.

    python -m benchmarks.erasure --days 10 --requests-per-day 15000   # ~1M spans
    python -m benchmarks.erasure --data-dir /tmp/bench --skip-build   # reuse a landed lake, no warehouse

Generates (deterministic), lands and builds once into --data-dir (reused on later runs), then erases
the busiest app user and prints where the time went. The point: the lake part grows with the files
that hold the subject (subject index), not with the lake; the warehouse part deletes with SQL and
then copies the DuckDB file once (compaction), which grows with the warehouse.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import duckdb

from orchestration.compliance import erasure
from orchestration.generator import GeneratorConfig, generate, write_summary
from orchestration.lake.privacy import SubjectHasher
from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt_build


def _prepare(data_dir: Path, days: int, requests_per_day: int, build: bool) -> Settings:
    settings = Settings.from_env(data_dir)
    if not (data_dir / "summary.json").exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        started = time.perf_counter()
        summary = generate(
            GeneratorConfig(
                out_dir=settings.inbox_dir,
                days=days,
                requests_per_day=requests_per_day,
                tenants=8,
                seed=3,
                include_claude_code=False,
            )
        )
        print(
            f"generated {summary.to_dict().get('spans', 0):,} spans in {time.perf_counter() - started:.0f}s"
        )
        started = time.perf_counter()
        report = land(settings, settle_seconds=0)
        print(f"landed {report.records_landed:,} records in {time.perf_counter() - started:.0f}s")
        write_summary(summary, data_dir / "summary.json")
    if build and not settings.warehouse_path.exists():
        started = time.perf_counter()
        result = run_dbt_build(settings)
        print(f"dbt build: {result.summary} ({time.perf_counter() - started:.0f}s)")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/spanledger-erasure-bench"))
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--requests-per-day", type=int, default=15000)
    parser.add_argument("--skip-build", action="store_true", help="lake only (no warehouse)")
    args = parser.parse_args()
    settings = _prepare(args.data_dir, args.days, args.requests_per_day, not args.skip_build)

    hasher = SubjectHasher(settings.hmac_key)
    summary = json.loads((args.data_dir / "summary.json").read_text())
    spans_glob = str(settings.lake_dir / "spans" / "*" / "*.parquet")
    with duckdb.connect() as con:
        total_spans = con.execute(f"select count(*) from read_parquet('{spans_glob}')").fetchone()[0]
        counts = dict(
            con.execute(f"select user_hash, count(*) from read_parquet('{spans_glob}') group by 1").fetchall()
        )
    erased = {r["subject_hash"] for r in erasure.status(settings)}
    users = sorted(
        (counts.get(hasher(u), 0), u)
        for u in summary["user_ids"]
        if u.startswith("user-") and hasher(u) not in erased
    )
    _, subject = users[len(users) // 2]  # a typical user, not the busiest
    lake_files = sum(1 for _ in settings.lake_dir.glob("*/date=*/*.parquet"))
    restricted_files = sum(1 for _ in settings.restricted_dir.glob("date=*/*.parquet"))
    warehouse_mb = settings.warehouse_path.stat().st_size / 1e6 if settings.warehouse_path.exists() else 0

    marks: dict[str, float] = {}
    started = time.perf_counter()

    def checkpoint(step: str) -> None:
        marks.setdefault(step, time.perf_counter() - started)

    [result] = erasure.erase(settings, [erasure.ErasureRequest(subject)], "benchmark", checkpoint=checkpoint)
    total = time.perf_counter() - started
    lake_seconds = marks.get("files_done", total)
    print(
        json.dumps(
            {
                "lake_spans": total_spans,
                "lake_files": lake_files,
                "restricted_files": restricted_files,
                "warehouse_mb": round(warehouse_mb, 1),
                "subject_spans": counts.get(hasher(subject), 0),
                "files_indexed_for_subject": result.files_indexed_total,
                "files_rewritten": result.files_rewritten,
                "rows_removed": sum(result.rows_removed.values()),
                "seconds_total": round(total, 2),
                "seconds_lake_and_quarantine": round(lake_seconds, 2),
                "seconds_warehouse_delete_and_compact": round(
                    marks.get("warehouse_done", total) - lake_seconds, 2
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
