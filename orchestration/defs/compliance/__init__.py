"""Compliance in Dagster: the daily retention job and the erasure job (thin wrappers)."""

from orchestration.defs.compliance.definitions import defs

__all__ = ["defs"]
