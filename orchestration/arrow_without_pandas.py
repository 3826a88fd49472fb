"""Keep pyarrow from importing pandas on its first conversion of Python objects.

The first `pa.array(...)` of a process imports pandas, only to ask whether the input is a pandas
object. Landing converts plain lists and dicts, never pandas objects, and the import costs more
than the conversion: 2.3 s of CPU on our 2-core machine, paid by the landing process and again by
every worker it spawns (a small scheduled landing took 3.4 s, 2.3 of them in that import).

`skip_pandas_probe` lets pyarrow make its one probe while pandas cannot be imported; pyarrow then
remembers that it has no pandas for that check. Nothing else changes: code that asks for pandas
itself (`Table.to_pandas()`, Great Expectations) imports it as usual, and pyarrow, asked for its
pandas integration, imports it again on demand.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading

_lock = threading.Lock()
_done = False


class _PandasUnavailable(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is hidden from pyarrow's first conversion", name=name)
        return None


def skip_pandas_probe() -> None:
    """Make pyarrow's pandas probe now, with pandas hidden; idempotent, and a no-op once pandas is
    imported (then the probe costs nothing). For the instant of the probe pandas cannot be imported
    by any thread: call it where nothing else is starting up (landing does, before its work)."""
    global _done
    with _lock:
        if _done or "pandas" in sys.modules:
            _done = True
            return
        import pyarrow as pa

        finder = _PandasUnavailable()
        sys.meta_path.insert(0, finder)
        try:
            pa.array([], type=pa.int8())  # the probe: pyarrow tries `import pandas` once and remembers
        finally:
            sys.meta_path.remove(finder)
            _done = True
