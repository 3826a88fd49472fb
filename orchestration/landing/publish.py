"""Publishing a file's outputs: a write-ahead journal entry, atomic renames, then the manifest row.
After a crash, `recover` rolls a half-done publish forward, so nothing is lost and nothing doubled."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from orchestration.lake.compaction import recover_compactions
from orchestration.lake.subjects import SubjectIndex, subject_index_path
from orchestration.lake.writer import publish
from orchestration.landing.discovery import waiting_detail
from orchestration.landing.identity import Candidate
from orchestration.landing.report import FileOutcome, LandingReport
from orchestration.locks import LakeLock
from orchestration.manifest import Manifest
from orchestration.settings import Settings

_COUNTS = (
    "units_in",
    "records_in",
    "records_landed",
    "records_quarantined",
    "records_suppressed",
    "units_unreadable",
    "bytes_unreadable",
)


def staging_root(settings: Settings) -> Path:
    """Where landing writes before it publishes; only a run holding the lake lock uses it."""
    return settings.lake_dir / "_staging"


def recover(settings: Settings, manifest: Manifest) -> int:
    """Finish the publishes and compactions a killed run started; drop staging output no journal
    refers to. Call with the lake lock held."""
    recovered = recover_compactions(settings, manifest)
    for file_id, moves, result in manifest.pending_journal():
        try:
            publish([tuple(m) for m in moves])
            manifest.finish_publish(result)
            recovered += 1
        except FileNotFoundError:
            manifest.drop_journal(file_id)  # outputs vanished: the file will simply land again
    shutil.rmtree(staging_root(settings), ignore_errors=True)
    return recovered


def finish_interrupted_publish(settings: Settings, lock_timeout: float = 600.0) -> int:
    """For readers of the lake (warehouse builds): roll forward a publish that a killed landing left
    half done, so a build never sees part of a file's output. Cheap when there is nothing to do."""
    if not settings.manifest_path.exists():
        return 0
    with LakeLock(settings.state_dir, lock_timeout):
        manifest = Manifest(settings.manifest_path)
        try:
            return recover(settings, manifest)
        finally:
            manifest.close()


def merged_result(
    candidate: Candidate, results: list[dict[str, Any]], bytes_written: int, run_id: str | None
) -> dict[str, Any]:
    """One input file's manifest row from the results of its ranges. A file whose cut last record is
    settled (`finalizes`) keeps its row, with the settled tail's counts added."""
    results.sort(key=lambda r: r["chunk"])
    base = candidate.base if candidate.finalizes else None
    rows: dict[str, int] = json.loads((base or {}).get("rows_json") or "{}")
    days: dict[str, set[str]] = {
        t: set(d) for t, d in json.loads((base or {}).get("days_json") or "{}").items()
    }
    for r in results:
        for table, n in r["rows"].items():
            rows[table] = rows.get(table, 0) + n
        for table, ds in r["days"].items():
            days.setdefault(table, set()).update(ds)
    last = results[-1]
    counts = {name: sum(r[name] for r in results) + ((base or {}).get(name) or 0) for name in _COUNTS}
    continued = candidate.base if not candidate.finalizes else None
    merged = {
        "file_id": candidate.file_id,
        "path": candidate.key,
        "size_bytes": candidate.size,
        "mtime_ns": candidate.mtime_ns,
        "inode": candidate.recorded_inode,
        "head_sha256": candidate.head_sha256,
        "compression": candidate.shape.compression,
        "format": candidate.shape.format,
        "signal": ",".join(sorted({s for r in results for s in r["signals"]})) or (base or {}).get("signal"),
        "base_file_id": (base or {}).get("base_file_id") if base else (continued or {}).get("file_id"),
        "start_offset": (base or {}).get("start_offset", 0) if base else candidate.resume.offset,
        **counts,
        "rows": rows,
        "days": {t: sorted(d) for t, d in days.items()},
        "bytes_written": bytes_written + ((base or {}).get("bytes_written") or 0),
        "seconds": round(sum(r["seconds"] for r in results), 3),
        "landed_at": datetime.now(UTC).isoformat(),
        "run_id": run_id,
        "resume": last["resume"],
        "pending_bytes": last["pending_bytes"],
        "outcome": _outcome(candidate, last["pending_bytes"], counts),
    }
    if (
        merged["records_in"]
        != merged["records_landed"] + merged["records_quarantined"] + merged["records_suppressed"]
    ):
        raise AssertionError(f"{candidate.path}: records do not reconcile: {merged}")
    return merged


def _outcome(candidate: Candidate, pending_bytes: int, counts: dict[str, int]) -> str:
    if candidate.finalizes:
        return "finalized"
    if pending_bytes and not counts["units_in"]:
        return "waiting"  # nothing whole yet: a first record still being written
    return "appended" if candidate.base else "landed"


def publish_file(
    settings: Settings,
    manifest: Manifest,
    members: list[tuple[Candidate, list[dict[str, Any]]]],
    moves: list[tuple[str, str]],
    subjects: list[dict[str, list[str]]],
    bytes_written: int,
    run_id: str | None,
    report: LandingReport,
) -> list[FileOutcome]:
    """Publish the outputs of one input file, or of small files landed together, in one journalled
    step: all of them are landed, or (after a crash) rolled forward together."""
    new_bytes = [candidate.new_bytes for candidate, _ in members]
    shares = [bytes_written * n // max(sum(new_bytes), 1) for n in new_bytes]  # output bytes, by input share
    shares[0] += bytes_written - sum(shares)
    merged = [
        merged_result(candidate, results, share, run_id)
        for (candidate, results), share in zip(members, shares, strict=True)
    ]
    with SubjectIndex(subject_index_path(settings.state_dir)) as index:
        index.add({path: hashes for s in subjects for path, hashes in s.items()})
    manifest.begin_publish(merged, moves)
    publish(moves)
    manifest.finish_publish(merged)
    report.bytes_written += bytes_written
    outcomes = []
    for (candidate, results), result in zip(members, merged, strict=True):
        for table, ds in result["days"].items():
            report.days[table] = sorted(set(report.days.get(table, [])) | set(ds))
        for r in results:
            name = PurePosixPath(candidate.key).name
            report.quarantine_examples.extend(f"{name} {e}" for e in r["quarantine_examples"])
        own = {name: sum(r[name] for r in results) for name in _COUNTS}  # this landing's share only
        rows: dict[str, int] = {}
        for r in results:
            for table, n in r["rows"].items():
                rows[table] = rows.get(table, 0) + n
        outcomes.append(
            FileOutcome(
                result["path"],
                result["outcome"],
                candidate.file_id,
                own["records_in"],
                own["records_landed"],
                own["records_quarantined"],
                rows,
                candidate.shape.format + {"gzip": ".gz", "zstd": ".zst"}.get(candidate.compression, ""),
                detail=_detail(candidate, result, settings.tail_timeout_seconds),
                records_suppressed=own["records_suppressed"],
                units_unreadable=own["units_unreadable"],
                bytes_unreadable=own["bytes_unreadable"],
                pending_bytes=result["pending_bytes"],
            )
        )
    return outcomes


def _detail(candidate: Candidate, result: dict[str, Any], tail_timeout: float) -> str | None:
    parts = []
    if candidate.finalizes:
        parts.append("its cut last record was quarantined: the file stopped changing")
    elif candidate.base:
        parts.append(f"new records after byte {candidate.resume.offset}")
    if result["pending_bytes"]:
        parts.append(waiting_detail(result["pending_bytes"], tail_timeout))
    return "; ".join(parts) or None
