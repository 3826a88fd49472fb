"""Spanledger: OTLP exports of LLM applications → Parquet lake → dbt warehouse."""

import os as _os

# numpy, which pyarrow imports, starts an OpenBLAS thread pool whose threads spin from time to time; this
# package does no linear algebra, and on 2 cores that spinning is CPU taken from landing (measured: ~1.6%
# of a landing's CPU). Set before numpy is imported; an explicit setting wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from orchestration.native import hot_path as _hot_path

_hot_path.activate()  # landing's hot path: the Cython build when it matches its source, else the source
