"""The demo's skills catalog: the generator's skill folders, snapshotted on the demo's first day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestration.generator.skills import write_catalog
from orchestration.settings import Settings

from .snapshot import SnapshotResult, take_snapshot


def snapshot_demo_catalog(settings: Settings, days: int) -> SnapshotResult:
    root = settings.data_dir / "skills-demo"
    roots = write_catalog(root)
    first_day = datetime.now(UTC).date() - timedelta(days=days)
    return take_snapshot(settings, roots, root / "home" / ".claude", first_day)
