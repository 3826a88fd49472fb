"""How fast could a native decoder land spans? The parse-and-walk floor against landing's own costs.

    uv run --with pysimdjson python -m benchmarks.native_floor                 # generates ~200k spans
    uv run --with pysimdjson python -m benchmarks.native_floor --file traces.jsonl

Compiles `native_floor.cpp` (C++ against the simdjson sources that the pysimdjson wheel ships) and
times it on generated trace lines next to `orjson.loads` of the same lines and landing's full Python
path (parse, normalize, Arrow, Parquet) on their first 64 MiB. The ratio says how much of a 4× speed-up
a native decoder would leave for the work the floor leaves out (privacy, semantics, Arrow buffers).
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.landing import cpu_breakdown

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "native_floor.cpp"


def _simdjson_sources() -> Path:
    try:
        import simdjson  # pysimdjson: ships simdjson.h and simdjson.cpp next to its module
    except ImportError:
        raise SystemExit(
            "needs pysimdjson: uv run --with pysimdjson python -m benchmarks.native_floor"
        ) from None
    folder = Path(simdjson.__file__).parent
    if not (folder / "simdjson.h").exists() or not (folder / "simdjson.cpp").exists():
        raise SystemExit(f"this pysimdjson build has no simdjson.h/simdjson.cpp in {folder.name}/")
    return folder


def build_library(cache: Path) -> Path:
    """Compile once per source version (about 15 s); -march=native so On-Demand uses SIMD."""
    compiler = shutil.which("g++") or shutil.which("clang++")
    if compiler is None:
        raise SystemExit("needs a C++ compiler (g++ or clang++)")
    simdjson_dir = _simdjson_sources()
    digest = hashlib.sha256(SOURCE.read_bytes() + str(simdjson_dir).encode()).hexdigest()[:12]
    library = cache / f"native_floor-{digest}.so"
    if not library.exists():
        print("compiling the native walker (once) …", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        partial = library.with_suffix(".tmp")
        subprocess.run(
            [
                compiler,
                "-O2",
                "-march=native",
                "-std=c++17",
                "-shared",
                "-fPIC",
                f"-I{simdjson_dir}",
                "-o",
                str(partial),
                str(SOURCE),
                str(simdjson_dir / "simdjson.cpp"),
            ],
            check=True,
        )
        partial.replace(library)
    return library


def native_walk(library: Path, path: Path) -> tuple[float, list[int]]:
    lib = ctypes.CDLL(str(library))
    lib.walk_file.restype = ctypes.c_int64
    result = (ctypes.c_int64 * 5)()
    started = time.perf_counter()
    status = lib.walk_file(str(path).encode(), result)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"the native walker failed on {path.name} ({status})")
    return seconds, list(result)


def orjson_seconds(path: Path) -> float:
    import orjson

    started = time.perf_counter()
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                orjson.loads(line)
    return time.perf_counter() - started


def generate_traces(folder: Path, spans: int) -> Path:
    from datetime import date

    from orchestration.generator import GeneratorConfig, generate

    generate(
        GeneratorConfig(
            out_dir=folder,
            days=1,
            start_date=date(2026, 1, 5),
            tenants=8,
            requests_per_day=max(1, round(spans / 6.4)),
            seed=1,
            traces_per_file=10**9,
            include_claude_code=False,
        )
    )
    return next(folder.glob("traces-*.jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=200_000, help="spans to generate (without --file)")
    parser.add_argument("--file", type=Path, help="a file of ExportTraceServiceRequest JSON lines")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "spanledger-native-floor")
    args = parser.parse_args()

    library = build_library(args.cache)
    with tempfile.TemporaryDirectory() as work:
        path = args.file or generate_traces(Path(work), args.spans)
        size_mb = path.stat().st_size / 1e6
        native, (spans, attributes, typed, bad, _) = native_walk(library, path)
        parsed = orjson_seconds(path)
        n, stages, native_stages = cpu_breakdown(path, Path(work))
    ours = {stage: seconds / n * 1e6 for stage, seconds in stages.items()}
    ours["total"] = sum(ours.values())
    per_span = {"native parse + walk": native / spans * 1e6, "orjson.loads only": parsed / spans * 1e6}
    print(
        f"\n{path.name}: {spans:,} spans, {attributes:,} attributes ({typed:,} feed typed columns), "
        f"{bad} bad ids, {size_mb:,.0f} MB\n"
    )
    print(f"{'step (one core)':<28}{'µs/span':>9}{'spans/s':>12}{'MB/s':>9}")
    for name, micros in per_span.items():
        seconds = micros * spans / 1e6
        print(f"{name:<28}{micros:>9.2f}{1e6 / micros:>12,.0f}{size_mb / seconds:>9.0f}")
    total = ours["total"]
    print(
        f"{'landing (Python path)':<28}{total:>9.2f}{1e6 / total:>12,.0f}"
        f"{'':>9}  parse {ours['parse']:.1f} · normalize {ours['normalize']:.1f} · arrow "
        f"{ours['arrow']:.1f} · parquet {ours['parquet']:.1f}"
    )
    if native_stages:
        decoder = {stage: seconds / n * 1e6 for stage, seconds in native_stages.items()}
        whole = sum(decoder.values())
        print(
            f"{'landing (native decoder)':<28}{whole:>9.2f}{1e6 / whole:>12,.0f}{'':>9}  "
            + " · ".join(f"{stage} {micros:.1f}" for stage, micros in decoder.items())
        )
    floor = per_span["native parse + walk"]
    budget = 2 * 1e6 / 100_000  # µs of CPU a span for 100,000 spans/s on 2 cores
    print(
        f"\nnative floor vs orjson.loads alone: {per_span['orjson.loads only'] / floor:.1f}x faster; "
        f"vs landing's whole path: {total / floor:.0f}x"
    )
    print(
        f"100,000 spans/s on 2 cores allows {budget:.0f} µs of CPU a span; the floor uses "
        f"{floor:.1f}, leaving {budget - floor:.1f} µs for privacy, semantics, Arrow and Parquet "
        f"(Parquet alone: {ours['parquet']:.1f})."
    )


if __name__ == "__main__":
    sys.exit(main())
