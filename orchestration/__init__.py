"""Spanledger: OTLP exports of LLM applications → Parquet lake → dbt warehouse."""

from orchestration import compiled as _compiled

_compiled.activate()  # landing's hot path: the Cython build when it matches its source, else the source
