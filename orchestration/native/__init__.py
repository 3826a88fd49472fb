"""Landing's compiled builds, and which of them may run.

- `hot_path.py`: the Cython build of the per-record Python (values, semantics, privacy, export
  requests, the normalize modules), used while it matches its source.
- `decoder.py` and `cpp/`: the native decoder (C++), OTLP records straight to Arrow columns.
- `modules.py`: what the install compiles (setup.py reads it), and the digests that guard against a
  stale build.
"""
