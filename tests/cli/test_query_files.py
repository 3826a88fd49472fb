"""Saved queries are found from any working directory; a missing one is "file not found"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]


def _query(data_dir: Path, *args: str, monkeypatch: pytest.MonkeyPatch):
    from orchestration.cli import main

    monkeypatch.setenv("SPANLEDGER_DATA_DIR", str(data_dir))  # main() sets it; restored after the test
    monkeypatch.setenv("COLUMNS", "400")
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "query", *args])


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that is not the checkout."""
    folder = tmp_path / "somewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("SPANLEDGER_SQL_DIR", raising=False)
    return folder


def test_a_saved_query_runs_from_any_working_directory(hostile, elsewhere, monkeypatch) -> None:
    by_absolute_path = _query(
        hostile, str(REPO / "sql" / "tenant_slo_report.sql"), "--format", "json", monkeypatch=monkeypatch
    )
    assert by_absolute_path.exit_code == 0, by_absolute_path.output
    expected = json.loads(by_absolute_path.stdout)
    assert expected
    for name in ("sql/tenant_slo_report.sql", "tenant_slo_report.sql"):
        result = _query(hostile, name, "--format", "json", monkeypatch=monkeypatch)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == expected


def test_the_working_directory_comes_first_then_spanledger_sql_dir(
    hostile, elsewhere, tmp_path, monkeypatch
) -> None:
    (elsewhere / "sql").mkdir()
    (elsewhere / "sql" / "tenant_slo_report.sql").write_text("select 'from the working directory' as source")
    result = _query(hostile, "sql/tenant_slo_report.sql", "--format", "json", monkeypatch=monkeypatch)
    assert json.loads(result.stdout) == [{"source": "from the working directory"}]

    team = tmp_path / "team-queries"
    team.mkdir()
    (team / "tenants.sql").write_text(
        "select count(distinct tenant_id) as tenants from finops.fct_chargeback_monthly"
    )
    monkeypatch.setenv("SPANLEDGER_SQL_DIR", str(team))
    result = _query(hostile, "tenants.sql", "--format", "json", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["tenants"] > 0


def test_a_missing_file_is_file_not_found(hostile, elsewhere, monkeypatch) -> None:
    result = _query(hostile, "sql/missing.sql", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: file not found: sql/missing.sql"), result.output
    assert "Parser Error" not in result.output
