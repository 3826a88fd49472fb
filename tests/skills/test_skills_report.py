"""`spanledger skills report`: one HTML page from the marts, every status and caveat on it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from orchestration.cli import main
from orchestration.settings import Settings


def test_report_shows_each_status_its_caveats_and_open_differences(
    skills_warehouse: Settings, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main, ["--data-dir", str(skills_warehouse.data_dir), "skills", "report", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "skills.html").read_text()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"<tr><td class=\"\">([^<]+)</td><td class=\"\">(\w+)</td>", page)
    }
    assert rows["misfire-skill"] == "misfiring" and rows["stale-skill"] == "stale"
    assert rows["never-skill"] == "never_used" and rows["ghost-skill"] == "unknown"
    assert rows["active-skill"] == "active"
    assert "inferred from reruns" in page and "may have fired under custom_skill" in page
    assert "names redacted: set OTEL_LOG_TOOL_DETAILS=1" in page
    assert "differs" in page and "events_only" in page  # the reconciliation's open differences
    assert "<script" not in page


def test_report_without_a_warehouse_is_one_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "empty"), "skills", "report"])
    assert result.exit_code == 2 and "run `spanledger build` first" in result.output
