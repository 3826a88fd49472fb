"""Small-file backlog benchmark: the same telemetry as many small rotated files and as a few big ones.

    python -m benchmarks.small_files                      # 2 days, 6,000 requests a day, ~800 files
    python -m benchmarks.small_files --traces-per-file 10 # smaller files still

Three landings, each in a fresh data directory and its own process tree: the rotated backlog as it
lands (small files several to a task), the same backlog one task a file (as before grouping, with
the compaction that follows), and the unrotated files (the floor). Prints seconds, records/s and
peak RSS, and the ratios.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from benchmarks.process_tree import run_measured

GENERATE = """
from datetime import date
from pathlib import Path
from orchestration.generator import GeneratorConfig, generate
generate(GeneratorConfig(out_dir=Path({out!r}), days=2, start_date=date(2026, 1, 5), tenants=8,
         requests_per_day={requests}, seed=1, traces_per_file={per_file}))
"""

LAND = """
from pathlib import Path
import orchestration.landing as landing
from orchestration.landing import schedule
from orchestration.settings import Settings
if {one_task_a_file!r}:
    schedule.GROUP_FILE_BYTES = 0
r = landing.land(Settings.from_env({data!r}), [Path({inbox!r})], settle_seconds=0)
assert r.records_quarantined == 0, r.quarantine_examples
print(f"  {{r.count('landed')}} files, {{r.records_in:,}} records, compaction {{r.compaction.seconds:.1f}} s "
      f"({{r.compaction.files_in}} files merged)", flush=True)
open({result!r}, "w").write(str(r.records_in))
"""


def _run(code: str) -> tuple[float, float]:
    returncode, seconds, peak_rss, _ = run_measured(code)
    if returncode != 0:
        raise SystemExit(f"benchmark step failed (exit {returncode})")
    return seconds, peak_rss


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests-per-day", type=int, default=6000)
    parser.add_argument("--traces-per-file", type=int, default=40)
    parser.add_argument("--workdir", type=Path, default=Path("bench-data") / "small-files")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    inboxes = {"rotated": args.workdir / "rotated", "unrotated": args.workdir / "unrotated"}
    for name, per_file in (("rotated", args.traces_per_file), ("unrotated", 10**9)):
        _run(GENERATE.format(out=str(inboxes[name]), requests=args.requests_per_day, per_file=per_file))
        files = list(inboxes[name].iterdir())
        print(f"{name}: {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")

    steps = (
        ("rotated, small files several to a task", "rotated", False),
        ("rotated, one task a file", "rotated", True),
        ("unrotated (the floor)", "unrotated", False),
    )
    seconds = {}
    for label, inbox, one_task_a_file in steps:
        data, result = args.workdir / f"data-{len(seconds)}", args.workdir / f"records-{len(seconds)}"
        print(f"{label}:")
        seconds[label], rss = _run(
            LAND.format(
                data=str(data), inbox=str(inboxes[inbox]), one_task_a_file=one_task_a_file, result=str(result)
            )
        )
        records = int(result.read_text())
        print(
            f"  {seconds[label]:.1f} s, {records / seconds[label]:,.0f} records/s, peak RSS of the tree {rss:.0f} MiB"
        )
    grouped, alone, floor = (seconds[label] for label, _, _ in steps)
    print(
        f"grouping is {alone / grouped:.2f}x faster than one task a file; "
        f"{grouped / floor:.2f}x the time of the unrotated files"
    )


if __name__ == "__main__":
    main()
