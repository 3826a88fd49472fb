"""`lake/skills_catalog`: today's snapshot of the skill folders in SPANLEDGER_SKILLS_PATHS (os.pathsep-
separated; SPANLEDGER_SKILLS_USER_DIR says which one is the user's), before the daily pipeline builds."""

import os
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    Definitions,
    MaterializeResult,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from orchestration.defs.automation import schedule_status
from orchestration.defs.resources import SpanledgerResource

SKILLS_CATALOG_KEY = ["lake", "skills_catalog"]


def configured_paths() -> tuple[list[Path], Path | None]:
    paths = [
        Path(p).expanduser() for p in os.environ.get("SPANLEDGER_SKILLS_PATHS", "").split(os.pathsep) if p
    ]
    user_dir = os.environ.get("SPANLEDGER_SKILLS_USER_DIR")
    return paths, Path(user_dir).expanduser() if user_dir else None


@asset(
    key=SKILLS_CATALOG_KEY,
    group_name="landing",
    kinds={"python", "parquet"},
    description="Dated snapshot of the installed Claude Code skills (SKILL.md) in SPANLEDGER_SKILLS_PATHS: "
    "<data>/lake/skills_catalog/date=YYYY-MM-DD/; unreadable front matter is quarantined.",
)
def skills_catalog(context: AssetExecutionContext, spanledger: SpanledgerResource) -> MaterializeResult:
    from orchestration.skills.snapshot import take_snapshot

    paths, user_dir = configured_paths()
    if not paths:
        context.log.warning("SPANLEDGER_SKILLS_PATHS is not set: no skills catalog snapshot taken")
        return MaterializeResult(metadata={"skills": 0, "quarantined": 0, "configured": False})
    result = take_snapshot(spanledger.settings(), paths, user_dir)
    for problem in result.problems:
        context.log.warning(
            f"quarantined {problem.path} line {problem.line} {problem.field}: {problem.reason}"
        )
    return MaterializeResult(
        metadata={
            "snapshot_date": result.snapshot_date.isoformat(),
            "skills": len(result.skills),
            "quarantined": len(result.problems),
            "configured": True,
        }
    )


skills_catalog_job = define_asset_job("skills_catalog_job", selection=AssetSelection.assets(skills_catalog))

# 01:30 UTC, before the 02:00 daily pipeline builds the marts from it.
skills_catalog_schedule = ScheduleDefinition(
    job=skills_catalog_job,
    cron_schedule="30 1 * * *",
    execution_timezone="UTC",
    default_status=schedule_status(),
)

defs = Definitions(assets=[skills_catalog], jobs=[skills_catalog_job], schedules=[skills_catalog_schedule])
