"""Which build of landing's hot path runs: the Cython-compiled one, or the Python source.

setup.py compiles `CYTHON_MODULES` (modules.py) from their unchanged source and stamps each compiled
module with the SHA-256 of that source. A compiled module is used only while its stamp matches the `.py` beside it:
once the source is edited (and not yet rebuilt, which `uv sync` does), the source is loaded instead,
with a warning, so an edit is never shadowed by stale machine code. SPANLEDGER_PURE_PYTHON=1 loads
the source everywhere (debugging; the equivalence test compares both builds).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings
from importlib.machinery import ExtensionFileLoader, SourceFileLoader
from pathlib import Path

from orchestration.native.modules import CYTHON_MODULES, source_digest

_status: dict[str, str] = {}


def activate() -> None:
    """Import the hot modules, each from the build that may run; idempotent, once per process."""
    forced = bool(os.environ.get("SPANLEDGER_PURE_PYTHON"))
    for name in CYTHON_MODULES:
        if name in _status:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or not isinstance(spec.loader, ExtensionFileLoader):
            _status[name] = "source"
            continue
        source = Path(spec.origin).with_name(name.rpartition(".")[2] + ".py")
        if forced:
            _load_source(name, source)
            _status[name] = "source (SPANLEDGER_PURE_PYTHON is set)"
            continue
        module = importlib.import_module(name)
        stamp = getattr(module, "__compiled_from__", None)
        if source.exists() and stamp != source_digest(source):
            _load_source(name, source)
            _status[name] = "source (the compiled copy was built from another version; `uv sync` rebuilds it)"
            warnings.warn(
                f"{name}: compiled copy is stale, running the source instead (slower); `uv sync` rebuilds it",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            _status[name] = "compiled"


def _load_source(name: str, source: Path) -> None:
    sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(name, source, loader=SourceFileLoader(name, str(source)))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def status() -> dict[str, str]:
    """Module → "compiled" or "source (why)"."""
    activate()
    return dict(_status)


def summary() -> str:
    states = status()
    if all(s == "compiled" for s in states.values()):
        return "compiled (Cython)"
    if not any(s == "compiled" for s in states.values()):
        reasons = {s.partition(" ")[2].strip("()") for s in states.values()} - {""}
        return "pure Python" + (f" ({'; '.join(sorted(reasons))})" if reasons else " (not compiled)")
    return "partly compiled: " + ", ".join(f"{n.rpartition('.')[2]} {s}" for n, s in states.items())
