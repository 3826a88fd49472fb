"""Where Dagster's dbt invocations keep their artifacts, and what of them is kept.

dagster-dbt gives every invocation a folder of its own (`<op>-<run>-<id>`) below DBT_TARGET_PATH,
and seeds it with that path's `partial_parse.msgpack`. The code location points DBT_TARGET_PATH at
the data directory's `dbt/target`, so those folders never land in the checkout, where pipelines
sharing it would mix them up and each daily run would leave ~20 MB behind.

After an invocation, its parse state becomes the shared one: the next invocation with the same
profile and vars (the other dbt steps of the same run) parses only what changed, not all 270 nodes.
Only the newest folders are kept.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

PARSE_STATE = "partial_parse.msgpack"
KEEP_INVOCATIONS = 15  # about five daily runs of three dbt steps: enough to read a failed run's dbt.log
# dagster-dbt's folder name: `<op name>-<first 7 of the run id>-<7 random hex>`
_INVOCATION_DIR = re.compile(r".+-[0-9a-f]{7}-[0-9a-f]{7}")


def share_parse_state(invocation_target: Path, shared_target: Path) -> bool:
    """Make the invocation's parse state the one later invocations start from (atomically)."""
    source = invocation_target / PARSE_STATE
    if not source.is_file() or invocation_target.resolve() == shared_target.resolve():
        return False
    shared_target.mkdir(parents=True, exist_ok=True)
    temporary = shared_target / f".{PARSE_STATE}.{os.getpid()}.tmp"
    shutil.copyfile(source, temporary)
    os.replace(temporary, shared_target / PARSE_STATE)
    return True


def invocation_dirs(shared_target: Path) -> list[Path]:
    """The invocation folders below the shared target, oldest first."""
    if not shared_target.is_dir():
        return []
    found = [p for p in shared_target.iterdir() if p.is_dir() and _INVOCATION_DIR.fullmatch(p.name)]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def prune_invocation_dirs(shared_target: Path, keep: int = KEEP_INVOCATIONS) -> list[Path]:
    """Delete all but the `keep` newest invocation folders; returns the deleted ones."""
    folders = invocation_dirs(shared_target)
    doomed = folders[: max(0, len(folders) - keep)]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed
