"""Reports in Dagster: the monthly chargeback asset and its schedule, the budget alert check."""

from orchestration.defs.reports.definitions import defs

__all__ = ["defs"]
