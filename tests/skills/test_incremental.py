"""The developer_tools marts build a day at a time like the other fact marts: on the built skills lake,
land the next day (an OTLP export, and a cumulative cost counter that carries on from the day before),
build that day alone, and the marts equal a full refresh row for row; so does a rerun of that day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from orchestration.landing import land
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import dbt_target_dir, run_dbt
from tests.built_once import private_copy
from tests.skills import tool_details_export
from tests.skills.fixture import D10, MODEL, Lake, _at

NEXT_DAY = date(2025, 6, 11)
SELECT = ["--select", "+path:models/marts/developer_tools"]
PER_DAY_MODELS = {
    "int_claude_code_events_anchored": "log_date",
    "int_skill_activations": "activation_date",
    "int_claude_code_sessions": "session_date",
    "int_claude_code_counter_increments": "point_date",
    "fct_skill_usage_daily": "activation_date",
    "fct_skill_context_cost_daily": "usage_date",
    "fct_developer_tool_usage_daily": "usage_date",
    "fct_claude_code_cost_reconciliation": "usage_date",
}


def _tables(settings: Settings) -> dict[str, list[tuple]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        names = [f"intermediate.{m}" for m in PER_DAY_MODELS if m.startswith("int_")]
        names += [
            f"developer_tools.{t}"
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'developer_tools'"
            ).fetchall()
        ]
        return {name: con.execute(f"select * from {name} order by all").fetchall() for name in sorted(names)}


def _land_next_day(settings: Settings) -> None:
    tool_details_export.export(settings.inbox_dir, NEXT_DAY, session="next-day-session")
    report = land(settings, settle_seconds=0)
    assert report.records_landed == report.records_in == 9, report
    counter = Lake()  # the D10 session's cumulative cost counter, exported again after midnight
    counter.point(
        "s-cumulative",
        "claude_code.cost.usage",
        "CUMULATIVE",
        _at(D10, 1000),
        _at(NEXT_DAY, 60),
        0.60,
        model=MODEL,
    )
    counter.write(settings.lake_dir)


def test_the_next_day_builds_alone_and_equals_a_full_refresh(
    skills_warehouse: Settings, tmp_path: Path
) -> None:
    settings = Settings.from_env(private_copy(skills_warehouse.data_dir, tmp_path / "data"))
    manifest = json.loads((dbt_target_dir(settings) / "manifest.json").read_text())
    configs = {n["name"]: n["config"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for model, column in PER_DAY_MODELS.items():  # the daily Dagster partition builds them
        assert (configs[model]["materialized"], configs[model]["unique_key"]) == ("incremental", column)
    assert configs["dim_skills"]["materialized"] == "table"

    _land_next_day(settings)
    one_day = {"min_date": NEXT_DAY.isoformat(), "max_date": NEXT_DAY.isoformat()}
    assert (result := run_dbt(settings, ["run", *SELECT], vars=one_day)).success, result.output_tail
    incremental = _tables(settings)

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        # the new day is there: the counter adds only what accrued since its last point the day before
        ((increment, basis),) = con.execute(
            "select point_increment, increment_basis from intermediate.int_claude_code_counter_increments "
            f"where session_hash = 's-cumulative' and point_date = '{NEXT_DAY}'"
        ).fetchall()
        assert (round(increment, 9), basis) == (0.25, "difference")
        ((activations, reruns),) = con.execute(
            "select activations, command_reruns from developer_tools.fct_skill_usage_daily "
            f"where activation_date = '{NEXT_DAY}' and skill_name = '{tool_details_export.SKILL}'"
        ).fetchall()
        assert (activations, reruns) == (1, 1)

    assert (result := run_dbt(settings, ["run", "--full-refresh", *SELECT])).success, result.output_tail
    refreshed = _tables(settings)
    assert set(incremental) == set(refreshed)
    for name, rows in refreshed.items():
        assert incremental[name] == rows, name

    assert (result := run_dbt(settings, ["run", *SELECT], vars=one_day)).success, result.output_tail
    assert _tables(settings) == refreshed  # a rerun of the day changes nothing
