"""Backlog benchmark: a mixed inbox (traces, logs and metric points as the generator writes them, JSON
lines) landed end to end by `land` (discovery, decoding, Parquet, publishing, compaction), with the
seconds, records/s and the peak memory of the whole process tree (RSS summed, and PSS, which shares
out the pages the processes share); then one day of the same inbox landed by the native path, the
Python path (`SPANLEDGER_NATIVE=0`) and decoded by a plain orjson + pyarrow baseline, for ratios in the
same run.

    python -m benchmarks.backlog                            # the issue's size: 10M spans over 30 days
    python -m benchmarks.backlog --spans 1000000 --days 3   # a quick run
    python -m benchmarks.backlog --inbox DIR                # an inbox already generated (kept as it is)

The generated inbox is kept in --workdir and reused by the next run with the same --spans/--days.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import time
from pathlib import Path

from benchmarks.process_tree import run_measured

SPANS_PER_REQUEST = 6.4  # what the generator's request mix averages (before sampling)

GENERATE = """
from datetime import date
from pathlib import Path
from orchestration.generator import GeneratorConfig, generate
s = generate(GeneratorConfig(out_dir=Path({inbox!r}), days={days}, start_date=date(2026, 1, 1), tenants=8,
             requests_per_day={requests}, seed=1))
"""

LAND = """
import json
from pathlib import Path
from orchestration.landing import land
from orchestration.settings import Settings
r = land(Settings.from_env({data!r}), [Path({inbox!r})], settle_seconds=0)
assert r.records_in == r.records_landed + r.records_quarantined + sum(f.records_suppressed for f in r.files)
json.dump({{"records": r.records_in, "landed": r.records_landed, "quarantined": r.records_quarantined,
           "files": len(r.files), "bytes": r.bytes_in, "compaction_seconds": r.compaction.seconds}},
          open({out!r}, "w"))
"""

BASELINE = """
import json
from pathlib import Path
from benchmarks.signals import baseline_json
records = sum(baseline_json(path.read_bytes()) for path in sorted(Path({inbox!r}).iterdir()))
json.dump({{"records": records}}, open({out!r}, "w"))
"""


def _measured(name: str, code: str, out: Path, env: dict[str, str] | None = None) -> dict:
    print(f"{name} …", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    returncode, seconds, rss, pss = run_measured(code, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if returncode != 0:
        raise SystemExit(f"{name} failed (exit {returncode})")
    # CPU of the whole tree (workers are waited for): on a shared machine it moves less than the wall time
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result = {**json.loads(out.read_text()), "seconds": seconds, "cpu": cpu, "rss_mib": rss, "pss_mib": pss}
    print(f"{name}: {seconds:.1f}s", flush=True)
    return result


def _one_day(inbox: Path, day_inbox: Path) -> str:
    """Hard links to the first day's files of `inbox` in `day_inbox`; returns the day (YYYYMMDD)."""
    days = sorted({m.group(1) for p in inbox.iterdir() if (m := re.search(r"-(\d{8})-", p.name))})
    if not days:
        raise SystemExit(f"no dated file names in {inbox} to take a day from")
    shutil.rmtree(day_inbox, ignore_errors=True)
    day_inbox.mkdir(parents=True)
    for path in inbox.iterdir():
        if f"-{days[0]}-" in path.name:
            os.link(path, day_inbox / path.name)
    return days[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=10_000_000, help="spans to generate (before sampling)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=Path("bench-backlog"))
    parser.add_argument("--inbox", type=Path, help="land this inbox instead of generating one")
    parser.add_argument("--skip-day", action="store_true", help="land the whole backlog only")
    args = parser.parse_args()
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    inbox = args.inbox.resolve() if args.inbox else work / "inbox"
    if not args.inbox:
        params = {"spans": args.spans, "days": args.days}
        meta = work / "inbox.json"
        if not (meta.exists() and json.loads(meta.read_text()) == params):
            shutil.rmtree(inbox, ignore_errors=True)
            requests = max(1, round(args.spans / SPANS_PER_REQUEST / args.days))
            print(f"generating {args.days} days, ~{args.spans:,} spans …", flush=True)
            started = time.perf_counter()
            code = GENERATE.format(inbox=str(inbox), days=args.days, requests=requests)
            if run_measured(code)[0] != 0:
                raise SystemExit("generating failed")
            meta.write_text(json.dumps(params))
            print(f"generated in {time.perf_counter() - started:.0f}s", flush=True)

    results: dict[str, dict] = {}
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    results["backlog, native"] = _measured(
        "landing the backlog",
        LAND.format(data=str(data), inbox=str(inbox), out=str(work / "land.json")),
        work / "land.json",
    )
    if not args.skip_day:
        day_inbox = work / "day-inbox"
        day = _one_day(inbox, day_inbox)
        for label, env in (("native", "1"), ("Python path", "0")):
            shutil.rmtree(data, ignore_errors=True)
            results[f"day {day}, {label}"] = _measured(
                f"landing day {day} ({label})",
                LAND.format(data=str(data), inbox=str(day_inbox), out=str(work / "land.json")),
                work / "land.json",
                {**os.environ, "SPANLEDGER_NATIVE": env},
            )
        results[f"day {day}, baseline"] = _measured(
            f"decoding day {day} with orjson + pyarrow (one process, no Parquet)",
            BASELINE.format(inbox=str(day_inbox), out=str(work / "baseline.json")),
            work / "baseline.json",
        )
        shutil.rmtree(day_inbox)
    shutil.rmtree(data, ignore_errors=True)
    _print(results)


def _print(results: dict[str, dict]) -> None:
    print(f"\n{'run':<28}{'records':>12}{'seconds':>9}{'records/s':>11}{'CPU s':>8}{'µs CPU/rec':>11}"
          f"{'RSS MiB':>9}{'PSS MiB':>9}")  # fmt: skip
    for name, r in results.items():
        rate = r["records"] / r["seconds"]
        print(f"{name:<28}{r['records']:>12,}{r['seconds']:>9.1f}{rate:>11,.0f}{r['cpu']:>8.1f}"
              f"{r['cpu'] / r['records'] * 1e6:>11.1f}{r['rss_mib']:>9,.0f}{r['pss_mib']:>9,.0f}")  # fmt: skip
    backlog = results["backlog, native"]
    print(
        f"\nbacklog: {backlog['files']:,} files, {backlog['bytes'] / 1e9:.2f} GB, {backlog['landed']:,} records "
        f"landed, {backlog['quarantined']:,} quarantined; compaction {backlog['compaction_seconds']:.1f}s"
    )
    day = {name.rpartition(", ")[2]: r for name, r in results.items() if name.startswith("day ")}
    if day:
        native = day["native"]
        for other in ("Python path", "baseline"):
            wall, cpu = day[other]["seconds"] / native["seconds"], day[other]["cpu"] / native["cpu"]
            print(f"one day, native landing vs {other}: {wall:.2f}x the speed, {cpu:.2f}x less CPU")


if __name__ == "__main__":
    main()
