"""`spanledger skills catalog` on real skill folders made here: sources, owners, sizes, snapshots,
idempotent reruns and quarantined front matter."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from orchestration.cli import main


def _skill(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(text)


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    repo, home = tmp_path / "repo", tmp_path / "home" / ".claude"
    _skill(
        repo / ".claude" / "skills" / "deploy", "---\nname: deploy\ndescription: Ship it safely.\n---\nBody\n"
    )
    _skill(repo / ".claude" / "skills" / "owned", "---\nname: owned\ndescription: Mine\nowner: team-x\n---\n")
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("* @org/everyone\n/.claude/skills/deploy/ @org/platform\n")
    _skill(home / "skills" / "notes", "---\ndescription: Takes notes.\nwhen_to_use: In meetings\n---\n")
    plugin = home / "plugins" / "marketplaces" / "acme-market" / "acme"
    (plugin / ".claude-plugin").mkdir(parents=True)
    (plugin / ".claude-plugin" / "plugin.json").write_text(json.dumps({"name": "acme-tools"}))
    _skill(plugin / "skills" / "lint", "---\nname: lint\ndescription: Lints.\n---\n")
    _skill(tmp_path / "local-plugin" / "p", "")  # not a skill folder: no SKILL.md below skills
    return repo, home


def _run(data_dir: Path, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "skills", "catalog", *args])


def _snapshot_rows(data_dir: Path) -> list[dict]:
    files = sorted((data_dir / "lake" / "skills_catalog").glob("date=*/*.parquet"))
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def test_catalog_snapshot_of_real_folders(tmp_path: Path) -> None:
    repo, home = _folders(tmp_path)
    data = tmp_path / "data"
    result = _run(data, str(repo), str(home), "--user-dir", str(home), "--date", "2026-03-01", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["skills"] == 4 and summary["by_source"] == {"marketplace": 1, "project": 2, "user": 1}
    skills = {r["skill_name"]: r for r in _snapshot_rows(data)}
    assert set(skills) == {"deploy", "owned", "notes", "acme-tools:lint"}
    assert (skills["deploy"]["owner"], skills["deploy"]["owner_source"]) == ("@org/platform", "codeowners")
    assert (skills["owned"]["owner"], skills["owned"]["owner_source"]) == ("team-x", "front_matter")
    assert skills["acme-tools:lint"]["marketplace_name"] == "acme-market"
    notes = skills["notes"]  # no name: the folder's; when_to_use is listed too
    assert notes["context_chars"] == len("notes") + len("Takes notes.") + len("In meetings")
    assert notes["context_tokens_estimated"] == 7  # ceil(28 / 4)
    assert {r["scan_id"] for r in skills.values()} == {summary["scan_id"]}


def test_rescan_same_day_replaces_and_another_day_adds(tmp_path: Path) -> None:
    repo, _ = _folders(tmp_path)
    data = tmp_path / "data"
    assert _run(data, str(repo), "--date", "2026-03-01").exit_code == 0
    (repo / ".claude" / "skills" / "owned" / "SKILL.md").unlink()
    assert _run(data, str(repo), "--date", "2026-03-01").exit_code == 0
    assert sorted(r["skill_name"] for r in _snapshot_rows(data)) == ["deploy"]
    assert _run(data, str(repo), "--date", "2026-03-02").exit_code == 0
    days = sorted((data / "lake" / "skills_catalog").glob("date=*"))
    assert [d.name for d in days] == ["date=2026-03-01", "date=2026-03-02"]


def test_unreadable_front_matter_is_quarantined_with_line_and_field(tmp_path: Path) -> None:
    repo, _ = _folders(tmp_path)
    _skill(repo / ".claude" / "skills" / "broken", "---\nname: broken\ndescription: [never closed\n---\n")
    _skill(repo / ".claude" / "skills" / "open", "---\nname: open\n")
    _skill(repo / ".claude" / "skills" / "typed", "---\nname: typed\ndescription:\n  a: 1\n---\n")
    data = tmp_path / "data"
    result = _run(data, str(repo), "--date", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert "2 skills" in result.output and "3 quarantined" in result.output
    entries = pq.read_table(next((data / "quarantine").glob("date=2026-03-01/*.parquet"))).to_pylist()
    found = {Path(e["source_path"]).parent.name: (e["location"], e["field"]) for e in entries}
    assert found == {
        "broken": ("line 3", "front_matter"),
        "open": ("line 1", "front_matter"),
        "typed": ("line 3", "description"),
    }
    # scanned = in the snapshot + quarantined
    assert len(_snapshot_rows(data)) + len(entries) == 5


def test_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    result = _run(tmp_path / "data", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "not a folder" in result.output and "nowhere" in result.output
