"""Claude Code's tool input (a shell command with a secret in it) landed for real: with content capture
off it is in no lake file and no warehouse table, yet the marts still name the skill and count the
rerun; with capture on it is in the restricted content table only. And the team set only in
OTEL_RESOURCE_ATTRIBUTES (`team.id`) reaches every place a team is read."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.lake import attribute_keys
from orchestration.landing import land
from orchestration.settings import Settings
from tests.skills import tool_details_export as export
from tests.skills.test_skills_marts import rows

REPO = Path(__file__).resolve().parents[2]


def _files_holding(root: Path, text: str) -> list[Path]:
    """Files under `root` whose bytes, or decoded Parquet values, contain `text`."""

    def holds(path: Path) -> bool:
        if text.encode() in path.read_bytes():
            return True
        return path.suffix == ".parquet" and text in str(pq.read_table(path).to_pylist())

    return [path for path in sorted(root.rglob("*")) if path.is_file() and holds(path)]


def _warehouse_tables_holding(settings: Settings, text: str) -> list[str]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        # the staging views read the lake, checked file by file above
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
        return [
            f"{schema}.{table}"
            for schema, table in tables
            if text in str(con.execute(f'select * from "{schema}"."{table}"').fetchall())
        ]


def test_a_secret_in_a_command_lands_nowhere_when_content_capture_is_off(skills_warehouse: Settings) -> None:
    assert not _files_holding(skills_warehouse.lake_dir, export.SECRET)
    assert not _files_holding(skills_warehouse.lake_dir, "s3://bucket")  # nor the rest of the command
    assert not _files_holding(skills_warehouse.data_dir / "restricted", export.SECRET)
    assert not _warehouse_tables_holding(skills_warehouse, export.SECRET)
    assert _warehouse_tables_holding(skills_warehouse, export.SKILL)  # the search does find what is there


def test_the_marts_keep_what_they_need_of_the_tool_input(skills_warehouse: Settings) -> None:
    # the redacted activation is named by the Skill call's input; the command's rerun is seen by its hash
    ((activations, tool_calls, reruns),) = rows(
        skills_warehouse,
        "select activations, tool_calls, command_reruns from developer_tools.fct_skill_usage_daily "
        f"where skill_name = '{export.SKILL}' and activation_date = '{export.DAY}'",
    )
    assert (activations, tool_calls, reruns) == (1, 2, 1)  # the Skill call itself is no tool work
    commands = rows(
        skills_warehouse,
        "select bash_program, bash_command_hmac, has_tool_details from intermediate.int_claude_code_events_anchored "
        "where event_kind = 'tool_result' and tool_name = 'Bash' and log_date = '2025-06-09' "
        "and bash_program = 'aws'",
    )
    assert len(commands) == 2 and len({c[1] for c in commands}) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", commands[0][1]) and all(c[2] for c in commands)


def test_with_content_capture_on_the_input_is_only_in_the_restricted_table(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings.from_env(tmp_path / "data"), store_content=True)
    export.export(settings.inbox_dir)
    report = land(settings, settle_seconds=0)
    assert report.records_landed == report.records_in == 9
    assert not _files_holding(settings.lake_dir, export.SECRET)
    restricted = _files_holding(settings.restricted_dir, export.SECRET)
    assert restricted and all(p.suffix == ".parquet" for p in restricted)


def test_team_from_otel_resource_attributes_reaches_usage_and_chargeback(skills_warehouse: Settings) -> None:
    session_teams = rows(
        skills_warehouse,
        "select distinct team from intermediate.int_claude_code_events_anchored where log_date = '2025-06-09' "
        "and tenant_id = 'acme' and session_hash not like 's-%'",
    )
    assert session_teams == [(export.TEAM,)]
    assert rows(
        skills_warehouse,
        "select distinct team from intermediate.int_claude_code_counter_increments where point_date = '2025-06-09'",
    ) == [(export.TEAM,)]
    # events and counters of the day meet on one row of the person's usage
    ((sessions, lines, cost),) = rows(
        skills_warehouse,
        "select sessions, lines_added, cost_usd from developer_tools.fct_developer_tool_usage_daily "
        f"where team = '{export.TEAM}'",
    )
    assert (sessions, lines, cost) == (1, export.LINES_ADDED, Decimal("0.25"))
    ((chargeback_team, reported),) = rows(
        skills_warehouse,
        "select team, sum(reported_cost_usd) from finops.fct_llm_costs_daily "
        "where feature = 'claude_code' and cost_date = '2025-06-09' group by team",
    )
    assert (chargeback_team, reported) == (export.TEAM, Decimal("0.25"))


@pytest.mark.parametrize("path", ["dbt_project/macros/skills/team_attributes.sql"])
def test_staging_reads_the_team_keys_landing_reads(path: str) -> None:
    text = (REPO / path).read_text()
    listed = re.search(r"macro team_keys\(\).*?return\(\[(.*?)\]\)", text, re.S)
    assert listed, "team_keys() lists the keys"
    assert tuple(re.findall(r"'([^']+)'", listed.group(1))) == attribute_keys.TEAM_KEYS
    assert "team.id" in attribute_keys.TEAM_KEYS
