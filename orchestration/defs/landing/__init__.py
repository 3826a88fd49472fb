"""Landing in Dagster: the landing asset, the lake tables it feeds, a sensor and a schedule."""

from orchestration.defs.landing.definitions import defs

__all__ = ["defs"]
