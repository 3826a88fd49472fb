"""The skills catalog under the compliance rules, on real snapshots in the lake of the built skills data
directory: a person named as an owner lands only as a keyed hash, erasing that person blanks the owner
(the skill stays in the catalog), and the retention job removes snapshot days past `facts` retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from orchestration.compliance.erasure import ErasureRequest, erase
from orchestration.compliance.policy import DEFAULT_DAYS, FACTS
from orchestration.compliance.retention import apply_retention
from orchestration.lake.privacy import SubjectHasher
from orchestration.settings import Settings
from orchestration.skills.snapshot import take_snapshot
from tests.built_once import private_copy
from tests.skills.fixture import skill_folder

OLD, NEW = date(2025, 6, 1), date(2025, 6, 8)
ALICE, BOB = "alice@example.com", "@bob"


def _owned_repo(root: Path) -> Path:
    skill_folder(root, "alice-skill", "Alice's.", owner=ALICE)
    skill_folder(root, "team-skill", "The team's.", owner="platform-team")
    skill_folder(root, "shared-skill", "Shared.")
    (root / ".github").mkdir()
    (root / ".github" / "CODEOWNERS").write_text("/.claude/skills/shared-skill/ @acme/platform @bob\n")
    return root


def _owners(settings: Settings, day: date) -> dict[str, tuple]:
    rows = []
    for path in sorted((settings.table_dir("skills_catalog") / f"date={day}").glob("*.parquet")):
        rows += pq.read_table(path, columns=["skill_name", "owner", "owner_user_hash"]).to_pylist()
    return {r["skill_name"]: (r["owner"], r["owner_user_hash"]) for r in rows}


def _lake_text(settings: Settings) -> str:
    files = sorted(settings.table_dir("skills_catalog").rglob("*.parquet"))
    return "".join(str(pq.read_table(p).to_pylist()) for p in files)


def test_owners_erasure_and_retention_of_the_catalog(skills_warehouse: Settings, tmp_path: Path) -> None:
    settings = Settings.from_env(private_copy(skills_warehouse.data_dir, tmp_path / "data"))
    repo = _owned_repo(tmp_path / "owned-repo")
    for day in (OLD, NEW):
        take_snapshot(settings, [repo], on=day)
    hashed = SubjectHasher(settings.hmac_key)

    # people land as a keyed hash (the same as their user id's in the telemetry), teams as written
    assert ALICE not in _lake_text(settings) and BOB not in _lake_text(settings)
    owners = _owners(settings, NEW)
    assert owners["alice-skill"] == ("(person)", hashed(ALICE))
    assert owners["shared-skill"] == ("@acme/platform (person)", hashed(BOB))
    assert owners["team-skill"] == ("platform-team", None)

    # erasing Alice blanks her as owner on every day; the skill stays in the catalog
    [result] = erase(settings, [ErasureRequest(ALICE)])
    assert result.status == "done", result
    for day in (OLD, NEW):
        owners = _owners(settings, day)
        assert owners["alice-skill"] == (None, None)
        assert owners["shared-skill"] == ("@acme/platform (person)", hashed(BOB))
    assert hashed(ALICE) not in _lake_text(settings)

    # a snapshot day goes when `facts` retention has passed for it, the next day stays
    now = datetime.combine(NEW + timedelta(days=DEFAULT_DAYS[FACTS]), datetime.min.time(), UTC)
    report = apply_retention(settings, now=now)
    removed = {
        r.target: (r.kind, r.rows) for r in report.removals if r.target.startswith("lake/skills_catalog")
    }
    assert removed == {f"lake/skills_catalog date={OLD}": ("partition", 3 + 6)}  # ours and the fixture's scan
    assert not (settings.table_dir("skills_catalog") / f"date={OLD}").exists()
    assert set(_owners(settings, NEW)) >= {"alice-skill", "team-skill", "shared-skill"}
