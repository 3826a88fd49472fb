"""Data quality in Dagster: GX suites as asset checks on the lake and key marts, freshness checks."""

from orchestration.defs.quality.definitions import defs

__all__ = ["defs"]
