"""`python -m orchestration.generator OUT_DIR [options]`: generate, then print timing and peak RSS.

A thin wrapper for benchmarks and ad-hoc runs; the project CLI calls generate() directly.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

from . import FORMATS, GeneratorConfig, generate, write_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.generator")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--start-date", type=date.fromisoformat)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--requests-per-day", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", action="append", choices=FORMATS, dest="formats")
    parser.add_argument("--traces-per-file", type=int, default=500)
    parser.add_argument("--no-claude-code", action="store_true")
    parser.add_argument("--no-content", action="store_true")
    parser.add_argument(
        "--summary", type=Path, help="write the ground-truth summary JSON here (not in out_dir)"
    )
    args = parser.parse_args(argv)
    config = GeneratorConfig(
        out_dir=args.out_dir,
        days=args.days,
        start_date=args.start_date,
        tenants=args.tenants,
        requests_per_day=args.requests_per_day,
        seed=args.seed,
        formats=tuple(args.formats or ("jsonl",)),
        traces_per_file=args.traces_per_file,
        include_claude_code=not args.no_claude_code,
        content=not args.no_content,
    )
    started = time.perf_counter()
    summary = generate(config)
    seconds = time.perf_counter() - started
    if args.summary:
        write_summary(summary, args.summary)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        json.dumps(
            {
                "spans": summary.spans,
                "log_records": summary.log_records,
                "metric_points": summary.metric_points,
                "files": len(summary.files),
                "seconds": round(seconds, 2),
                "spans_per_second": round(summary.spans / seconds),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
