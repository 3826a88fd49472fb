"""BigQuery as the warehouse: load jobs from the Parquet lake, retention and erasure by DML.

Plain modules, no Dagster: `config` (environment), `client`, `tables` (schemas, partitioning,
clustering, expiration), `loader` (idempotent day loads), `manifest` (what was loaded),
`erasure` and `retention` (DML), `retention_classes`.
"""
