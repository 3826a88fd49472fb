"""The retention policy: defaults (the same in Python and in dbt), per-tenant overrides, bad files;
and the Dagster jobs load and run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.compliance.policy import DEFAULT_DAYS, RetentionPolicy, load_policy
from orchestration.settings import Settings


def test_defaults_match_the_brief() -> None:
    assert DEFAULT_DAYS == {"raw": 30, "content": 7, "quarantine": 30, "facts": 400, "finops": 7 * 365 + 2}


def test_tenant_overrides(tmp_path: Path) -> None:
    settings = Settings.from_env(tmp_path)
    assert load_policy(settings) == RetentionPolicy()
    (tmp_path / "retention.toml").write_text("[retention]\nraw = 14\n\n[retention.tenants.acme]\nraw = 90\n")
    policy = load_policy(settings)
    assert (
        policy.days("raw"),
        policy.days("raw", "acme"),
        policy.days("raw", "other"),
        policy.days("facts"),
    ) == (14, 90, 14, 400)
    assert policy.cutoff("raw", date(2026, 4, 1), "acme") == date(2026, 1, 1)
    (tmp_path / "retention.toml").write_text("[retention]\nraww = 14\n")
    with pytest.raises(ValueError, match="unknown data class"):
        load_policy(settings)


def test_dagster_jobs_load_and_retention_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.defs.compliance import defs
    from orchestration.defs.compliance.definitions import retention_job
    from orchestration.defs.resources import SpanledgerResource

    assert {s.name for s in defs.schedules} == {"retention_daily_schedule", "erasure_daily_schedule"}
    result = retention_job.execute_in_process(
        run_config={"ops": {"apply_retention_op": {"config": {"dry_run": True}}}},
        resources={"spanledger": SpanledgerResource(data_dir=str(tmp_path))},
    )
    assert result.success
    assert (tmp_path / "state" / "compliance.sqlite").exists()
