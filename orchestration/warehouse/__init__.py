"""The dbt warehouse, runnable without Dagster (the CLI uses it; Dagster wraps the same project)."""
