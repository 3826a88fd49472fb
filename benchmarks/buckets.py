"""Bucket landing benchmark: the same telemetry landed from a local folder and from an S3 bucket.

    python -m benchmarks.buckets                       # 2 days, 6,000 requests a day, ~300 objects
    python -m benchmarks.buckets --spool-mb 16         # smaller spool batches

The generated files are uploaded as objects under the awss3exporter's key layout to moto's S3 server,
started here on loopback (no network latency: what is measured is the spooling and landing around
the transfer, not a cloud's throughput). Each landing runs in a fresh data directory and its own
process tree: the folder (the floor), the bucket, and the bucket again with nothing new (a listing and
the version check, nothing downloaded). Prints seconds, records/s and peak memory of each.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
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
from orchestration.landing import land
from orchestration.settings import Settings
source = {source!r}
r = land(Settings.from_env({data!r}), [source if "://" in source else Path(source)], settle_seconds=0)
assert r.records_quarantined == 0, r.quarantine_examples
listing = r.listings[0] if r.listings else {{}}
print(f"  {{r.count('landed')}} landed, {{r.count('unchanged')}} unchanged, {{r.records_in:,}} records, "
      f"{{listing.get('keys_listed', 0)}} keys listed, {{listing.get('bytes_downloaded', 0) / 1e6:.1f}} MB downloaded",
      flush=True)
open({result!r}, "w").write(str(r.records_in))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _upload(inbox: Path, endpoint: str, bucket: str) -> int:
    """Each generated file as one object, a minute partition each; the bytes uploaded."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=bucket)
    total = 0
    for n, path in enumerate(sorted(inbox.iterdir())):
        hour, minute = divmod(n, 60)
        day, hour = divmod(hour, 24)
        key = f"otel/traces/year=2026/month=01/day={day + 5:02d}/hour={hour:02d}/minute={minute:02d}/{path.name}"
        client.upload_file(str(path), bucket, key)
        total += path.stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests-per-day", type=int, default=6000)
    parser.add_argument("--traces-per-file", type=int, default=100)
    parser.add_argument("--spool-mb", type=int, default=64)
    parser.add_argument("--workdir", type=Path, default=Path("bench-data") / "buckets")
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    shutil.rmtree(args.workdir, ignore_errors=True)
    inbox = args.workdir / "inbox"
    run_measured(
        GENERATE.format(out=str(inbox), requests=args.requests_per_day, per_file=args.traces_per_file)
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    credentials = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    os.environ.update(credentials)
    try:
        size = _upload(inbox, endpoint, "otel-bench")
        print(f"{len(list(inbox.iterdir()))} objects, {size / 1e6:.1f} MB")
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL_S3": endpoint,
            "SPANLEDGER_SPOOL_MB": str(args.spool_mb),
            "SPANLEDGER_HMAC_KEY": os.environ.get("SPANLEDGER_HMAC_KEY", "bench-key"),
        }
        steps = (
            ("folder (the floor)", str(inbox), "folder"),
            ("bucket", "s3://otel-bench/otel/", "bucket"),
            ("bucket again, nothing new (listed from the cursor)", "s3://otel-bench/otel/", "bucket"),
        )
        seconds = {}
        for label, source, data in steps:
            result = args.workdir / f"records-{len(seconds)}"
            print(f"{label}:")
            code = LAND.format(source=source, data=str(args.workdir / data), result=str(result))
            returncode, seconds[label], rss, pss = run_measured(code, env=env)
            if returncode != 0:
                raise SystemExit(f"benchmark step failed (exit {returncode})")
            records = int(result.read_text())
            rate = f"{records / seconds[label]:,.0f} records/s, " if records else ""
            print(f"  {seconds[label]:.1f} s, {rate}peak of the tree RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")
        floor, bucket, again = seconds.values()
        print(
            f"the bucket takes {bucket / floor:.2f}x the folder's time; a landing with nothing new {again:.1f} s"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
