"""What the install compiles, in one place: setup.py reads this file on its own (the build runs without
the package's dependencies, so it cannot import the package), `hot_path.py` and `decoder.py` import it.

- `CYTHON_MODULES`: landing's per-record Python, compiled unchanged by Cython, in dependency order
  (each module only imports the ones before it).
- `DECODER_MODULE`: the native decoder (C++), built from every `.cpp` and `.h` in `DECODER_SOURCES`.

Each build carries the SHA-256 of what it was built from (`source_digest`, `decoder_digest`), and only
runs while that still matches the source beside it. pyproject.toml's `cache-keys` name the same files,
so `uv sync` rebuilds after an edit (tests/landing/test_compiled_hot_path.py checks they agree).
Standard library only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CYTHON_MODULES = (
    "orchestration.otlp.values",
    "orchestration.lake.semantics",
    "orchestration.lake.privacy",
    "orchestration.lake.export_requests",
    "orchestration.lake.normalize_base",
    "orchestration.lake.normalize_logs",
    "orchestration.lake.normalize_metrics",
    "orchestration.lake.normalize",
)
DECODER_MODULE = "orchestration.native._decoder"
DECODER_SOURCES = "orchestration/native/cpp"  # relative to the repository root
DECODER_MAIN = "decoder.cpp"  # the translation unit; it includes the headers beside it


def source_digest(path: Path) -> str:
    """SHA-256 of a Cython module's source, as its compiled copy is stamped."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def decoder_digest(folder: Path) -> str:
    """SHA-256 of the native decoder's sources (the .cpp first, then the headers by name)."""
    digest = hashlib.sha256((folder / DECODER_MAIN).read_bytes())
    for header in sorted(folder.glob("*.h")):
        digest.update(header.read_bytes())
    return digest.hexdigest()
