"""A big file's first slice, decoded while the landing process still hashes the file.

The slice's rows wait for the file's id (the hash) before anything is written: the landing process
announces it in an atomic file under the lake's staging folder, or an empty id when the file turns out
not to land from its start after all (a duplicate, a continuation, changed, gone), which withdraws it.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import time
from pathlib import Path

from orchestration.landing.identity import HEAD_BYTES, prefix_candidates
from orchestration.landing.slicing import MAX_SLICE_BYTES, Task, line_end_after
from orchestration.manifest import Manifest
from orchestration.otlp.reader import detect_shape
from orchestration.otlp.streams import Resume

# The early slice gets a share this much larger than even (measured on 1.2 GB: both processes then
# finish together).
EARLY_SLICE_SHARE = 1.08
ID_PENDING = ""  # the file_id of an early slice's Task until the file is hashed


class FileWithdrawn(Exception):
    """The file an early slice was decoding is not landed from its start after all."""


def await_file_id(path: Path) -> str:
    """The file id the landing process announces once it has hashed the file (see announce_file_id)."""
    delay = 0.002
    parent = multiprocessing.parent_process()
    while not path.exists():
        if parent is not None and not parent.is_alive():  # where no signal ends the worker with it
            raise FileWithdrawn(f"{path}: the landing process is gone")
        time.sleep(delay)
        delay = min(2 * delay, 0.05)
    file_id = path.read_text()
    if not file_id:
        raise FileWithdrawn(str(path))
    return file_id


def announce_file_id(path: Path, file_id: str) -> None:
    """Atomically: an early slice never reads half an id. An empty id withdraws the file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(file_id)
    os.replace(tmp, path)


def early_slice(
    path: Path, size: int, inode: int, manifest: Manifest, landing_day: str, workers: int, id_path: Path,
    final: bool, source: str | None = None,
) -> Task | None:  # fmt: skip
    """The first slice of a big JSON-lines file, to decode while the file is hashed: a share a little
    larger than even (EARLY_SLICE_SHARE). None when the file is not JSON lines, may continue a file
    landed before (then its new bytes start further on), or needs more slices than there are workers
    (the workers then take turns at equal slices: no room for one larger)."""
    if size > workers * MAX_SLICE_BYTES:
        return None
    key = source or str(path.resolve())
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            if prefix_candidates(manifest, hashlib.sha256(head).hexdigest(), size, key, inode):
                return None
            shape = detect_shape(fh, "none", size)
            if shape.format != "jsonl":
                return None
            target = min(math.ceil(size * EARLY_SLICE_SHARE / workers), MAX_SLICE_BYTES)
            end = line_end_after(fh, target, size)
    except OSError:
        return None  # hashing it reports the error
    return Task(
        str(path.resolve()), ID_PENDING, 0, Resume(), size if end is None else end, shape, landing_day,
        last=end is None, final=final, inode=inode, file_id_path=str(id_path), source=source,
    )  # fmt: skip
