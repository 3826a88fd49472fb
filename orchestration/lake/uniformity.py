"""The lake schema stamp: whether every lake file has the current lake schema, so that readers can
skip DuckDB's `union_by_name`.

`union_by_name` reads the schema of every file a glob matches each time a query binds (about 0.4 ms
a file, paid by every model and test of a dbt build that reads the lake), so a build's cost grew
with the lake's file count; without it DuckDB reads one schema and expects the same columns in every
file. Everything that writes the lake (landing, compaction, the compliance rewrites) writes the
current schema, so a uniform lake stays uniform; only an upgrade of Spanledger that changes the
schema, or a file put there by hand, makes it mixed.

`state/lake_schema.json` holds the fingerprint of the schema the whole lake was last verified
against. `ensure_uniform()` (landing and `spanledger compact` call it) verifies the lake when the
stamp is stale: it reads every footer once, rewrites the files that only lack columns (the new
columns are null), and stamps the lake uniform unless some file cannot be conformed (columns the
schema does not know, a changed type, an unreadable footer). Then the stamp lists those files
instead, and later checks read no footer while they are all still there unchanged: what this
version writes is uniform by construction, so only a change to one of them can make the lake
uniform again. The dbt sources use `union_by_name` unless the lake is stamped uniform
(`SPANLEDGER_LAKE_UNION_BY_NAME`, set by the dbt runner).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lake.schema import LAKE_TABLES, conformable, schema_difference
from orchestration.lake.writer import fsync_dir, write_conformed
from orchestration.settings import Settings

FINGERPRINT = hashlib.sha256(
    "\n".join(
        f"{table}: {schema.remove_metadata().to_string()}" for table, schema in sorted(LAKE_TABLES.items())
    ).encode()
).hexdigest()


@dataclass
class UniformityReport:
    checked: bool = False  # False: the stamp was current, nothing was read
    files: int = 0
    conformed: list[str] = field(default_factory=list)
    mixed: list[str] = field(default_factory=list)  # "path: why", files that keep union_by_name on


def _stamp(settings: Settings) -> Path:
    return settings.state_dir / "lake_schema.json"


def _read_stamp(settings: Settings) -> dict:
    try:
        stamp = json.loads(_stamp(settings).read_text())
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) and stamp.get("fingerprint") == FINGERPRINT else {}


def is_uniform(settings: Settings) -> bool:
    stamp = _read_stamp(settings)
    return bool(stamp) and not stamp.get("mixed")


def _identity(path: Path) -> list[int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


def _mixed_unchanged(stamp: dict) -> bool:
    """The files that kept the last check from stamping the lake uniform are all still as they were."""
    return all(_identity(Path(entry["path"])) == entry["identity"] for entry in stamp["mixed"])


def union_by_name_env(settings: Settings) -> dict[str, str]:
    """For dbt's environment: what the lake sources' `union_by_name` must be."""
    return {"SPANLEDGER_LAKE_UNION_BY_NAME": "false" if is_uniform(settings) else "true"}


def ensure_uniform(settings: Settings) -> UniformityReport:
    """Verify (and conform) the lake when the stamp is stale; call with the landing lock held."""
    report = UniformityReport()
    stamp = _read_stamp(settings)
    if stamp and not stamp.get("mixed"):
        return report
    if stamp and _mixed_unchanged(stamp):
        report.mixed = [f"{entry['path']}: {entry['why']}" for entry in stamp["mixed"]]
        return report
    report.checked = True
    mixed: list[dict] = []
    for table, expected in LAKE_TABLES.items():
        root = settings.table_dir(table)
        for path in sorted(root.glob("date=*/*.parquet")) if root.is_dir() else []:
            report.files += 1
            try:
                actual = pq.read_schema(path)
            except (OSError, pa.ArrowException) as err:
                mixed.append(
                    {
                        "path": str(path),
                        "why": f"unreadable footer ({type(err).__name__})",
                        "identity": _identity(path),
                    }
                )
                continue
            difference = schema_difference(expected, actual)
            if not difference:
                continue
            if not conformable(expected, actual):
                mixed.append({"path": str(path), "why": difference, "identity": _identity(path)})
                continue
            temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
            write_conformed([path], expected.with_metadata(actual.metadata or {}), temp)
            os.replace(temp, path)  # same rows, the new columns null: readers see either version whole
            fsync_dir(path.parent)
            report.conformed.append(str(path))
    report.mixed = [f"{entry['path']}: {entry['why']}" for entry in mixed]
    _stamp(settings).parent.mkdir(parents=True, exist_ok=True)
    temp = _stamp(settings).with_suffix(".tmp")
    temp.write_text(json.dumps({"fingerprint": FINGERPRINT, "files_checked": report.files, "mixed": mixed}))
    os.replace(temp, _stamp(settings))
    return report


__all__ = ["FINGERPRINT", "UniformityReport", "ensure_uniform", "is_uniform", "union_by_name_env"]
