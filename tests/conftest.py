"""Fixtures shared by several test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile_data import hostile_golden


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a hostile path and hostile tenant ids, landed and built (tests/hostile_data.py)."""
    return hostile_golden(tmp_path_factory)
