"""Retention and GDPR erasure: plain modules (no Dagster) used by the CLI, Dagster jobs and tests.

- `policy`: retention by data class, per-tenant overrides, which table belongs to which class.
- `ledger`: the compliance ledger (erasure requests, retention runs, access audit) in its own SQLite
  file, and the small Parquet export of it that the dbt compliance tests read.
- `lakefiles`: rewriting one Parquet file without some rows, atomically.
- `warehouse`: finding subject / dated tables in DuckDB, deleting, compacting the file.
- `erasure`, `retention`: the two jobs; `content`: audited reads of restricted content.
"""
