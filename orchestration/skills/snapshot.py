"""A dated snapshot of the skills catalog in the lake: `lake/skills_catalog/date=D/catalog-<scan>.parquet`.

One file per scan (the set of folders scanned) and day: scanning the same folders again on the same
day replaces it (idempotent), another set of folders adds its own file. Successive days' snapshots
are what tells "added on / removed on / changed on" in the warehouse. SKILL.md files that cannot be
read go to the quarantine with path, line, field and reason; scanned = in the snapshot + quarantined.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from orchestration.lake.privacy import SubjectHasher
from orchestration.lake.schema import QUARANTINE, TS
from orchestration.lake.writer import write_table_atomically
from orchestration.settings import Settings

from .owners import pseudonymized
from .scan import Problem, Skill, scan

TABLE = "skills_catalog"

SKILLS_CATALOG = pa.schema(
    [
        pa.field("scan_id", pa.string(), nullable=False),
        pa.field("scanned_at", TS, nullable=False),
        pa.field("skill_name", pa.string(), nullable=False),
        pa.field("folder_name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("when_to_use", pa.string()),
        pa.field("source", pa.string(), nullable=False),  # project | user | plugin | marketplace
        pa.field("plugin_name", pa.string()),
        pa.field("marketplace_name", pa.string()),
        pa.field("owner", pa.string()),  # teams as written, people as "(person)" (owners.py)
        pa.field("owner_user_hash", pa.string()),  # keyed hash of the first person among the owners
        pa.field("owner_source", pa.string()),  # front_matter | codeowners
        pa.field("root_path", pa.string()),
        pa.field("relative_path", pa.string()),
        pa.field("context_chars", pa.int64()),
        pa.field("context_tokens_estimated", pa.int64()),
        pa.field("listing_sha256", pa.string()),
        pa.field("file_sha256", pa.string()),
    ]
)


@dataclass(frozen=True)
class SnapshotResult:
    snapshot_date: date
    scan_id: str
    skills: list[Skill]
    problems: list[Problem]
    path: Path | None


def scan_id(roots: list[Path]) -> str:
    joined = "\n".join(sorted(str(r.resolve()) for r in roots))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def _catalog_table(skills: list[Skill], sid: str, at: datetime, hasher: SubjectHasher) -> pa.Table:
    rows = []
    for s in skills:
        row = {
            "scan_id": sid,
            "scanned_at": at,
            **{k: getattr(s, k) for k in SKILLS_CATALOG.names if hasattr(s, k)},
        }
        row["owner"], row["owner_user_hash"] = pseudonymized(s.owner, hasher)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=SKILLS_CATALOG)


def _quarantine(settings: Settings, problems: list[Problem], sid: str, day: date, at: datetime) -> None:
    target = settings.quarantine_dir / f"date={day.isoformat()}" / f"skills-catalog-{sid}.parquet"
    if not problems:
        target.unlink(missing_ok=True)  # a rerun after the files were fixed leaves no stale entries
        return
    rows = [
        {
            "source_path": p.path,
            "source_file_id": None,
            "signal": TABLE,
            "location": f"line {p.line}",
            "field": p.field,
            "reason": p.reason,
            "records": 1,
            "raw_excerpt": p.excerpt,
            "raw_bytes": len(p.excerpt.encode()),
            "quarantined_at": at,
        }
        for p in problems
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    write_table_atomically(pa.Table.from_pylist(rows, schema=QUARANTINE), target)


def take_snapshot(
    settings: Settings, roots: list[Path], user_dir: Path | None = None, on: date | None = None
) -> SnapshotResult:
    missing = [str(r) for r in roots if not r.is_dir()]
    if missing:
        raise FileNotFoundError(f"not a folder: {', '.join(missing)}")
    at = datetime.now(UTC)
    day = on or at.date()
    sid = scan_id(roots)
    skills, problems = scan(roots, user_dir)
    _quarantine(settings, problems, sid, day, at)
    folder = settings.table_dir(TABLE) / f"date={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"catalog-{sid}.parquet"
    # An empty catalog is a fact too (every skill removed): the file is written with no rows.
    write_table_atomically(_catalog_table(skills, sid, at, SubjectHasher(settings.hmac_key)), path)
    return SnapshotResult(day, sid, skills, problems, path)
