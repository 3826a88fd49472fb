"""The Dagster asset snapshots the configured folders (a real in-process materialization)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import materialize

from orchestration.defs.resources import SpanledgerResource
from orchestration.defs.skills.definitions import skills_catalog


def test_asset_snapshots_configured_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "repo" / ".claude" / "skills" / "deploy"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: deploy\ndescription: Ship it.\n---\n")
    monkeypatch.setenv("SPANLEDGER_SKILLS_PATHS", os.pathsep.join([str(tmp_path / "repo")]))
    data = tmp_path / "data"
    result = materialize([skills_catalog], resources={"spanledger": SpanledgerResource(data_dir=str(data))})
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["skills"].value == 1
    (snapshot,) = (data / "lake" / "skills_catalog").glob("date=*/*.parquet")
    assert pq.read_table(snapshot).column("skill_name").to_pylist() == ["deploy"]


def test_asset_without_configured_paths_takes_no_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPANLEDGER_SKILLS_PATHS", raising=False)
    data = tmp_path / "data"
    result = materialize([skills_catalog], resources={"spanledger": SpanledgerResource(data_dir=str(data))})
    assert result.success
    assert not (data / "lake" / "skills_catalog").exists()
