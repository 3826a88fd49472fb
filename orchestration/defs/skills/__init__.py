"""The skills catalog in Dagster: a daily snapshot of the configured skill folders."""

from orchestration.defs.skills.definitions import defs

__all__ = ["defs"]
