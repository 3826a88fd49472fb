"""The developer_tools marts on a fixture with one case of each status, counter temporality, reset and
reconciliation outcome (tests/skills/fixture.py), built by a real dbt run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from orchestration.settings import Settings
from tests.skills.tool_details_export import LINES_ADDED


def rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_status_from_the_catalog_outer_joined_with_activity(skills_warehouse: Settings) -> None:
    statuses = dict(rows(skills_warehouse, "select skill_name, status from developer_tools.dim_skills"))
    assert statuses == {
        "active-skill": "active",
        "stale-skill": "stale",  # last fired 9 days before the latest activity (default: 5)
        "never-skill": "never_used",
        "removed-skill": "never_used",
        "misfire-skill": "misfiring",  # three activations, no tool work after any
        "rerun-skill": "misfiring",  # the same command run twice after each activation
        "ghost-skill": "unknown",  # fired, not in the catalog
        "custom_skill": "unknown",  # the placeholder of redacted names
        "slashy": "unknown",  # a slash command logged only as a prompt
        "deploy-helper": "unknown",  # a redacted activation named by its Skill call (tool_details_export)
    }


def test_catalog_history_added_removed_changed(skills_warehouse: Settings) -> None:
    found = {
        name: (added, removed, changed, installed)
        for name, added, removed, changed, installed in rows(
            skills_warehouse,
            "select skill_name, added_on, removed_on, listing_changed_on, is_installed "
            "from developer_tools.dim_skills where is_in_catalog",
        )
    }
    assert found["removed-skill"] == (date(2025, 6, 1), date(2025, 6, 8), None, False)
    assert found["never-skill"] == (date(2025, 6, 1), None, date(2025, 6, 8), True)
    assert found["active-skill"] == (date(2025, 6, 1), None, None, True)


def test_caveat_flags(skills_warehouse: Settings) -> None:
    flags = {
        r[0]: r[1:]
        for r in rows(
            skills_warehouse,
            "select skill_name, is_placeholder_name, is_status_uncertain_redacted, "
            "is_status_inferred_from_reruns, has_slash_only_activations, redacted_activations "
            "from developer_tools.dim_skills",
        )
    }
    assert flags["custom_skill"][0] is True
    assert flags["never-skill"][1] is True and flags["stale-skill"][1] is True  # may hide under custom_skill
    assert flags["active-skill"][1] is False
    assert flags["rerun-skill"][2] is True and flags["misfire-skill"][2] is False
    assert flags["slashy"][3] is True and flags["active-skill"][3] is False
    assert {f[4] for f in flags.values()} == {1}


def test_harness_success_is_not_counted_as_working(skills_warehouse: Settings) -> None:
    ((failures, reruns, tool_calls),) = rows(
        skills_warehouse,
        "select tool_harness_failures, command_reruns, tool_calls from developer_tools.fct_skill_usage_daily "
        "where skill_name = 'rerun-skill' and activation_date = '2025-06-10'",
    )
    assert (failures, reruns, tool_calls) == (0, 2, 4)
    ((slash_failures,),) = rows(
        skills_warehouse,
        "select tool_harness_failures from developer_tools.fct_skill_usage_daily where skill_name = 'slashy'",
    )
    assert slash_failures == 1


def test_counters_read_with_temporality_resets_and_duplicates(skills_warehouse: Settings) -> None:
    increments = rows(
        skills_warehouse,
        "select session_hash, metric_name, point_value, point_increment, is_reset "
        "from intermediate.int_claude_code_counter_increments order by session_hash, metric_name, point_at",
    )
    by_series: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    for session, metric, _, point_increment, reset in increments:
        by_series.setdefault((session, metric), []).append((round(point_increment, 9), reset))
    assert by_series[("s-cumulative", "claude_code.cost.usage")] == [(0.1, False), (0.25, False)]
    assert by_series[("s-reset", "claude_code.cost.usage")] == [(0.5, False), (0.2, True)]
    assert by_series[("s-delta", "claude_code.cost.usage")] == [(0.3, False), (0.1, False)]
    assert by_series[("s-cumulative", "claude_code.lines_of_code.count")] == [
        (10, False),
        (15, False),
        (5, True),
    ]
    ((lines,),) = rows(
        skills_warehouse, "select sum(lines_added) from developer_tools.fct_developer_tool_usage_daily"
    )
    assert lines == 30 + LINES_ADDED  # and the landed export's counter


def test_cost_usage_metric_reconciled_with_api_request_events(skills_warehouse: Settings) -> None:
    found = {
        r[0]: r[1:]
        for r in rows(
            skills_warehouse,
            "select session_hash, reconciliation_status, metric_cost_usd, event_cost_usd, difference_usd, "
            "counter_resets from developer_tools.fct_claude_code_cost_reconciliation",
        )
    }
    d = Decimal
    assert found["s-cumulative"] == ("matched", d("0.35"), d("0.35"), d("0"), 0)
    assert found["s-reset"] == ("matched", d("0.7"), d("0.7"), d("0"), 1)
    assert found["s-delta"] == ("differs", d("0.4"), d("0.3"), d("0.1"), 0)
    assert found["s-events-only"] == ("events_only", None, d("0.05"), d("-0.05"), 0)


def test_context_cost_is_listing_tokens_times_sessions_at_the_input_price(skills_warehouse: Settings) -> None:
    ((tokens, sessions, cost, price),) = rows(
        skills_warehouse,
        "select c.context_tokens, c.sessions_loaded, c.context_cost_usd, p.input_usd_per_mtok "
        "from developer_tools.fct_skill_context_cost_daily c, intermediate.int_model_prices_unioned p "
        "where c.skill_name = 'never-skill' and c.usage_date = '2025-06-10' and p.provider = 'anthropic' "
        "and p.model_match = 'claude-sonnet-4-2025' and p.match_type = 'prefix' and p.price_priority = 1",
    )
    listing = len("never-skill") + len("Never fires, now with a longer description.")
    assert sessions == 4  # the four sessions with API requests on the day
    assert tokens == -(-listing // 4) * sessions
    assert cost == (Decimal(tokens) * price / Decimal(1_000_000)).quantize(Decimal("0.000000001"))
