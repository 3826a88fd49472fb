"""Warehouse benchmark: land N days, full `dbt build`, then land one more day and build only that day.

    python -m benchmarks.warehouse                         # the issue's size: 30 days, 10M spans (long)
    python -m benchmarks.warehouse --spans 1000000         # a quick run
    python -m benchmarks.warehouse --spans 1000000 --reuse # skip generating and landing the history
    python -m benchmarks.warehouse --reuse --history-days 10  # a third of the history, same daily volume

The next-day build is what the daily Dagster job runs: `dbt build` with min_date = max_date = the new
day, so incremental models rebuild that day (plus trace context) and the whole-history marts are
recomputed. Each step runs in its own process tree; peak RSS is the largest sum of resident memory
over that tree (dbt and landing start child processes), sampled every 0.2 s. The slowest dbt nodes
of each build come from dbt's run_results.json, to show where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

from benchmarks.process_tree import run_measured

SPANS_PER_REQUEST = 6.4  # what the generator's request mix averages
START = date(2026, 1, 1)


def _step(name: str, code: str) -> tuple[float, float]:
    """Run `code` in a fresh interpreter; return (seconds, peak RSS in MiB of its process tree)."""
    print(f"{name} …", flush=True)
    returncode, seconds, peak_mib, _ = run_measured(code)
    if returncode != 0:
        raise SystemExit(f"{name} failed (exit {returncode})")
    print(f"{name}: {seconds:.1f}s", flush=True)
    return seconds, peak_mib


GENERATE = """
from datetime import date
from pathlib import Path
from orchestration.generator import GeneratorConfig, generate
s = generate(GeneratorConfig(out_dir=Path({inbox!r}), days={days}, start_date=date.fromisoformat({start!r}),
             tenants={tenants}, requests_per_day={requests}, seed={seed}))
import json; json.dump({{"spans": s.spans}}, open({meta!r}, "w"))
"""

LAND = """
from pathlib import Path
from orchestration.landing import land
from orchestration.settings import Settings
r = land(Settings.from_env({data!r}), [Path({inbox!r})], settle_seconds=0)
assert r.records_quarantined == 0, r.quarantine_examples
"""

BUILD = """
import json, shutil
from pathlib import Path
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import dbt_target_dir, run_dbt_build
settings = Settings.from_env({data!r})
r = run_dbt_build(settings, min_date={day!r}, max_date={day!r})
assert r.success, r.summary + "\\n" + r.output_tail
print("dbt build", r.summary)
shutil.copyfile(dbt_target_dir(settings) / "run_results.json", {results!r})
json.dump(r.stage_seconds, open({results!r} + ".stage", "w"))
"""


def _slowest(run_results: Path, top: int) -> list[tuple[float, str]]:
    nodes = json.loads(run_results.read_text())["results"]
    timed = sorted(((n.get("execution_time") or 0.0, n["unique_id"]) for n in nodes), reverse=True)
    return timed[:top]


def _copy_tree(src: Path, dst: Path, until: date | None = None) -> None:
    """Copy a data directory; lake Parquet files (never modified in place) are hard links. With
    `until`, lake dates from that day on are left out (a shorter history of the same daily volume)."""

    def link_or_copy(s: str, d: str) -> None:
        if s.endswith(".parquet"):
            os.link(s, d)
        else:
            shutil.copy2(s, d)

    def later_days(_folder: str, names: list[str]) -> list[str]:
        if until is None:
            return []
        return [
            n
            for n in names
            if n.startswith("date=") and n != "date=1970-01-01" and n[5:] >= until.isoformat()
        ]

    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=link_or_copy, ignore=later_days)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=10_000_000, help="spans in the history (approximate)")
    parser.add_argument("--days", type=int, default=30, help="days of history before the next day")
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=Path("bench-warehouse"))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the landed history of an earlier run with the same --spans/--days/--tenants",
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="generate and land the history, then stop (for a later --reuse)",
    )
    parser.add_argument(
        "--history-days",
        type=int,
        help="with --reuse: build from only the first N days of the landed history, to see "
        "whether the next-day build's cost grows with history",
    )
    parser.add_argument("--top", type=int, default=8, help="slowest dbt nodes to list per build")
    args = parser.parse_args()

    work = args.workdir.resolve()
    history = work / "landed-history"  # the data directory after landing the history, kept for --reuse
    data = work / "data"
    params = {"spans": args.spans, "days": args.days, "tenants": args.tenants}
    requests = max(1, round(args.spans / SPANS_PER_REQUEST / args.days))
    next_day = START + timedelta(days=args.days)
    results: dict[str, tuple[float, float]] = {}

    meta_path = work / "meta.json"
    reusable = args.reuse and meta_path.exists() and json.loads(meta_path.read_text()).get("params") == params
    if not reusable:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        _step(
            f"generating {args.days} days, ~{args.spans:,} spans ({requests:,} requests a day)",
            GENERATE.format(
                inbox=str(work / "inbox"),
                days=args.days,
                start=START.isoformat(),
                tenants=args.tenants,
                requests=requests,
                seed=1,
                meta=str(work / "history.json"),
            ),
        )
        _step(
            "generating the next day",
            GENERATE.format(
                inbox=str(work / "inbox-next"),
                days=1,
                start=next_day.isoformat(),
                tenants=args.tenants,
                requests=requests,
                seed=2,
                meta=str(work / "next.json"),
            ),
        )
        results["land history"] = _step(
            "landing the history", LAND.format(data=str(history), inbox=str(work / "inbox"))
        )
        meta_path.write_text(json.dumps({"params": params, "land": results["land history"]}))
        if args.prepare_only:
            return
    else:
        results["land history"] = tuple(json.loads(meta_path.read_text())["land"])  # type: ignore[assignment]
        print(f"reusing the landed history in {history} (landing time from that run)")
    kept_days = min(args.history_days or args.days, args.days)
    _copy_tree(history, data, START + timedelta(days=kept_days) if kept_days < args.days else None)
    spans = round(json.loads((work / "history.json").read_text())["spans"] * kept_days / args.days)
    next_spans = json.loads((work / "next.json").read_text())["spans"]
    lake_files = sum(1 for _ in (data / "lake").glob("*/date=*/*.parquet"))

    results["full dbt build"] = _step(
        "full dbt build", BUILD.format(data=str(data), day=None, results=str(work / "run_results-full.json"))
    )
    warehouse_mb = (data / "warehouse.duckdb").stat().st_size / 2**20
    results["land next day"] = _step(
        "landing the next day", LAND.format(data=str(data), inbox=str(work / "inbox-next"))
    )
    results["next-day dbt build"] = _step(
        f"next-day dbt build ({next_day})",
        BUILD.format(data=str(data), day=next_day.isoformat(), results=str(work / "run_results-next.json")),
    )

    print(
        f"\n{kept_days} days, {spans:,} spans in {lake_files:,} lake files; next day {next_spans:,} spans; "
        f"warehouse {warehouse_mb:,.0f} MiB after the full build\n"
    )
    print(f"{'step':<22}{'seconds':>10}{'peak RSS MiB':>14}")
    for name, (secs, rss) in results.items():
        print(f"{name:<22}{secs:>10.1f}{rss:>14,.0f}")
    full, incremental = results["full dbt build"][0], results["next-day dbt build"][0]
    print(
        f"\nincremental / full: {incremental / full:.2f}   (one day / history in spans: {next_spans / spans:.3f})"
    )
    for label, name in (("full build", "full"), ("next-day build", "next")):
        run_results = work / f"run_results-{name}.json"
        stage = json.loads(Path(f"{run_results}.stage").read_text())
        inside = json.loads(run_results.read_text())["elapsed_time"]
        print(
            f"\n{label}: dbt's own run {inside:.1f}s; warehouse copy {stage.get('copy', 0):.1f}s and publish "
            f"(fsync, rename) {stage.get('publish', 0):.1f}s"
        )
        print(f"slowest dbt nodes, {label} (seconds):")
        for secs, node in _slowest(work / f"run_results-{name}.json", args.top):
            print(f"  {secs:>7.1f}  {node}")


if __name__ == "__main__":
    main()
