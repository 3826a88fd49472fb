"""The dbt warehouse in Dagster: models as assets, tests as asset checks, daily partitions."""

from orchestration.defs.dbt.definitions import defs

__all__ = ["defs"]
