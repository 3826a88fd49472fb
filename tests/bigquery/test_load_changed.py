"""One setting moves the pipeline: with SPANLEDGER_WAREHOUSE=bigquery, `spanledger run` and
`spanledger build` load into BigQuery every lake day that changed (late data included) before dbt,
and the Dagster daily job loads late days too, not only its own partition. On the emulator."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

from orchestration.generator import GeneratorConfig, generate
from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.loader import DayLoader, days_to_load, lake_days
from orchestration.warehouse.bigquery.manifest import LoadManifest, manifest_path
from tests.bigquery.test_daily_pipeline_bigquery import RUN, _env, _python


def _lake_counts(settings: Settings, table: str) -> dict[str, int]:
    lake = ds.dataset(settings.table_dir(table), format="parquet", partitioning="hive").to_table(
        columns=["date"]
    )
    counts: dict[str, int] = {}
    for day in lake["date"].to_pylist():
        counts[str(day)] = counts.get(str(day), 0) + 1
    counts.pop("1970-01-01", None)
    return counts


def _bq_counts(client, table_id: str) -> dict[str, int]:
    rows = client.query(
        f"select cast(date as string) as d, count(*) as n from `{table_id}` group by 1"
    ).result()
    return {r.d: r.n for r in rows}


def _copy(landed: Settings, tmp_path) -> Settings:
    shutil.copytree(landed.data_dir, tmp_path / "data")
    return Settings.from_env(tmp_path / "data")


def _land_late_day(settings: Settings, day: date, seed: int = 11) -> dict[str, list[str]]:
    """A late export of an older day (what a collector flushing a backlog writes), landed."""
    inbox = settings.data_dir / f"late-{day}"
    generate(
        GeneratorConfig(out_dir=inbox, days=1, start_date=day, tenants=2, requests_per_day=20, seed=seed)
    )
    return land(settings, [inbox], settle_seconds=0, workers=1).days


@pytest.fixture
def late(tmp_path, landed):
    settings = _copy(landed, tmp_path)
    late_day = datetime.now(UTC).date() - timedelta(days=6)
    return settings, late_day


def test_days_to_load_are_the_changed_days_and_late_data(late, bq_client, bq_config):
    settings, late_day = late
    config = replace(bq_config, lake_dataset="lake_changed")
    first = days_to_load(settings, config)
    assert first["spans"] == lake_days(settings, ["spans"])  # never loaded: every day
    DayLoader(bq_client, config, settings).load_changed()
    assert not any(days_to_load(settings, config).values())  # nothing changed since

    touched = _land_late_day(settings, late_day)
    assert late_day.isoformat() in touched["spans"]
    changed = days_to_load(settings, config)
    # the late day and nothing else (the landing may spill a few spans past midnight into the next day)
    assert set(changed["spans"]) <= {late_day.isoformat(), (late_day + timedelta(days=1)).isoformat()}
    assert late_day.isoformat() in changed["spans"]
    # a landing's own days always count; days past the partition expiration never do
    old = (datetime.now(UTC).date() - timedelta(days=400)).isoformat()
    assert days_to_load(settings, config, {"logs": [old, late_day.isoformat()]})["logs"] == changed["logs"]


def test_cli_run_and_build_load_bigquery_before_dbt(late, bq_client, bq_config, monkeypatch):
    settings, late_day = late
    lake_dataset = "lake_cli"
    for name, value in {
        "SPANLEDGER_WAREHOUSE": "bigquery",
        "SPANLEDGER_BQ_API_ENDPOINT": bq_config.api_endpoint,
        "SPANLEDGER_BQ_PROJECT": bq_config.project,
        "SPANLEDGER_LAKE_SCHEMA": lake_dataset,
        "SPANLEDGER_COMPLIANCE_SCHEMA": "compliance_cli",
        "SPANLEDGER_SETTLE_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    builds: list[tuple[str, dict[str, int]]] = []

    def fake_dbt_build(s, **_):  # dbt's data tests cannot run on the emulator: record what dbt would see
        from orchestration.warehouse.dbt_runner import DbtBuildResult

        builds.append((s.warehouse, _bq_counts(bq_client, f"{bq_config.project}.{lake_dataset}.spans")))
        return DbtBuildResult(returncode=0, seconds=0.0, command=["dbt", "build"])

    monkeypatch.setattr("orchestration.warehouse.dbt_runner.run_dbt_build", fake_dbt_build)
    from orchestration.cli import main

    runner = CliRunner()
    build = runner.invoke(main, ["--data-dir", str(settings.data_dir), "build"], catch_exceptions=False)
    assert build.exit_code == 0, build.output
    # every landed day was in BigQuery when dbt started, on the bigquery target
    assert builds == [("bigquery", _lake_counts(settings, "spans"))]

    inbox = settings.data_dir / "late-inbox"
    generate(
        GeneratorConfig(out_dir=inbox, days=1, start_date=late_day, tenants=2, requests_per_day=20, seed=5)
    )
    run = runner.invoke(
        main, ["--data-dir", str(settings.data_dir), "run", "--input", str(inbox)], catch_exceptions=False
    )
    assert run.exit_code == 0, run.output
    assert builds[1][0] == "bigquery"
    assert builds[1][1] == _lake_counts(settings, "spans")  # the late day went in before dbt
    assert late_day.isoformat() in builds[1][1]
    assert bq_client.get_table(f"{bq_config.project}.compliance_cli.erased_subjects") is not None

    with LoadManifest(manifest_path(settings.state_dir)) as manifest:
        jobs = [(r.table_name, r.day, r.job_ids) for r in manifest.loads()]
    again = runner.invoke(
        main,
        ["--data-dir", str(settings.data_dir), "run", "--input", str(inbox), "--skip-build"],
        catch_exceptions=False,
    )
    assert again.exit_code == 0 and len(builds) == 2  # --skip-build: no dbt
    with LoadManifest(manifest_path(settings.state_dir)) as manifest:  # nothing changed: nothing reloaded
        assert [(r.table_name, r.day, r.job_ids) for r in manifest.loads()] == jobs


def test_the_daily_job_loads_late_days_as_well_as_its_own(late, bq_client, bq_config):
    settings, late_day = late
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    config = replace(bq_config, lake_dataset="lake_daily_late")
    DayLoader(bq_client, config, settings).load_changed()  # BigQuery in line with the lake
    inbox = settings.inbox_dir
    shutil.rmtree(inbox)
    generate(
        GeneratorConfig(out_dir=inbox, days=1, start_date=late_day, tenants=2, requests_per_day=20, seed=9)
    )
    env = _env(
        settings.data_dir,
        "bigquery",
        SPANLEDGER_BQ_API_ENDPOINT=bq_config.api_endpoint,
        SPANLEDGER_BQ_PROJECT=bq_config.project,
        SPANLEDGER_LAKE_SCHEMA=config.lake_dataset,
        SPANLEDGER_COMPLIANCE_SCHEMA="compliance_daily_late",
        SPANLEDGER_SETTLE_SECONDS="0",
    )
    run = _python(RUN, env, yesterday)  # the 02:00 run for yesterday lands the late export
    assert run["success"]
    counts = _bq_counts(bq_client, config.table_id("spans"))
    assert counts == _lake_counts(settings, "spans")
    assert counts[late_day.isoformat()] > 0
