"""Reports in Dagster: the monthly chargeback asset and its schedule."""

from orchestration.defs.reports.definitions import defs

__all__ = ["defs"]
