#!/usr/bin/env bash
# Lint and the full test suite (real DuckDB files, real dbt builds, real Dagster runs, real Parquet).
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
ruff check orchestration tests benchmarks
pytest -n 2 --dist loadfile -q "$@"
