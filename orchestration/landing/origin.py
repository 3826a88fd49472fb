"""Generated (demo) telemetry and real telemetry never share a lake.

A data directory whose inbox received generated telemetry (`spanledger demo`, or `spanledger generate`
into that inbox) holds a marker, `state/generated-data.json`, listing each generated file (path, size,
modification time). From then on:

- a landing there lands only those files: any other file it would read is refused (a real export
  dropped into a demo lake), naming it and a data directory to use instead;
- generating into the inbox of a data directory that holds real data (landed files, or files waiting
  in its inbox, and no marker) is refused before a file is written.

The marker is written before the first generated file, so a generation killed midway leaves a marked
directory whose partial files are not on the list: they are refused too, never taken for real data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from orchestration.landing.discovery import candidate_files
from orchestration.landing.report import LandingError
from orchestration.settings import Settings

MARKER_NAME = "generated-data.json"


class MixedDataError(LandingError):
    """Generated and real telemetry would end up in the same lake."""


def marker_path(settings: Settings) -> Path:
    return settings.state_dir / MARKER_NAME


def holds_generated_data(settings: Settings) -> bool:
    return marker_path(settings).exists()


def _read_marker(settings: Settings) -> dict[str, Any]:
    try:
        return json.loads(marker_path(settings).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _write_marker(settings: Settings, marker: dict[str, Any]) -> None:
    path = marker_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(marker, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _file_entry(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def landed_file_count(settings: Settings) -> int:
    if not settings.manifest_path.exists():
        return 0
    from orchestration.manifest import Manifest

    manifest = Manifest(settings.manifest_path, read_only=True)
    try:
        return int(manifest.summary()["files_landed"])
    finally:
        manifest.close()


def safe_demo_command(settings: Settings) -> str:
    """A command that runs the demo without touching this data directory."""
    return f"spanledger --data-dir {settings.data_dir.parent / 'spanledger-demo'} demo"


def claim_for_generated_data(settings: Settings, generator: str) -> None:
    """Mark the data directory as holding generated data, or refuse when it holds real data."""
    if holds_generated_data(settings):
        return
    landed = landed_file_count(settings)
    waiting = candidate_files([settings.inbox_dir]) if settings.inbox_dir.is_dir() else []
    if landed or waiting:
        what = f"{landed:,} landed file(s)" if landed else f"{len(waiting):,} file(s) in its inbox"
        raise MixedDataError(
            f"{settings.data_dir} holds real telemetry ({what}); generated demo data would mix with it. "
            f"Run the demo in a data directory of its own (`{safe_demo_command(settings)}`), or generate "
            "files elsewhere (`spanledger generate --out DIR`)"
        )
    _write_marker(settings, {"generator": generator, "files": {}})


def record_generated_files(settings: Settings, paths: list[Path]) -> None:
    """Add generated files (as they are now) to the marker's list."""
    marker = _read_marker(settings)
    files = marker.setdefault("files", {})
    for path in paths:
        files[str(path.resolve())] = _file_entry(path)
    _write_marker(settings, marker)


def generated_files(settings: Settings) -> dict[str, list[int]]:
    return _read_marker(settings).get("files", {})


def refuse_real_data_in_demo_lake(settings: Settings, pending: list[Any]) -> None:
    """Called by a landing with the files it is about to read (`Pending`: key, stat)."""
    if not pending or not holds_generated_data(settings):
        return
    generated = generated_files(settings)
    foreign = [
        item for item in pending if generated.get(item.key) != [item.stat.st_size, item.stat.st_mtime_ns]
    ]
    if foreign:
        more = f" (and {len(foreign) - 1} more file(s))" if len(foreign) > 1 else ""
        raise _mixed_data(settings, foreign[0].key, f"{more} is not part of it")


def refuse_buckets_in_demo_lake(settings: Settings, buckets: list[str]) -> None:
    """A bucket holds real exports (the generator writes to folders): never landed into a demo lake."""
    if buckets and holds_generated_data(settings):
        raise _mixed_data(settings, buckets[0], " is a bucket of real telemetry")


def _mixed_data(settings: Settings, source: str, why: str) -> MixedDataError:
    return MixedDataError(
        f"{settings.data_dir} holds generated demo data, and {source}{why}: real telemetry is never landed "
        f"into a demo lake. Land it into a data directory of its own: `spanledger --data-dir DIR land {source}` "
        f"(or remove the demo: rm -r {settings.data_dir})"
    )


def next_step_hint(settings: Settings) -> str:
    """What to run when a command finds nothing to work on: commands that are safe in this data dir."""
    if holds_generated_data(settings):
        return f"`spanledger --data-dir {settings.data_dir} demo` (this data directory holds the demo)"
    if landed_file_count(settings):
        return "`spanledger build`"
    return (
        "land your exports with `spanledger run --input DIR` (or drop them into "
        f"{settings.inbox_dir} and `spanledger run`); to try Spanledger on generated data: "
        f"`spanledger --data-dir {settings.data_dir} demo`"
    )
