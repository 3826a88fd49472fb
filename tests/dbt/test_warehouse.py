"""Lake → dbt build → marts, checked against an independent polars computation over the same lake."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.commands.query import used_parameters
from orchestration.commands.query_parameters import bind, declared_parameters
from orchestration.settings import Settings
from orchestration.warehouse.dbt_runner import run_dbt
from tests.dbt.conftest import query, snapshot
from tests.dbt.oracle import costs_by_tenant_day, requests_by_tenant_day

pytestmark = pytest.mark.slow
CENT = Decimal("0.01")


def test_build_passes_every_test(built_warehouse: Settings) -> None:
    rows = query(built_warehouse, "select count(*) from finops.fct_llm_costs_daily")
    assert rows[0][0] > 0


def test_costs_match_the_lake_to_the_cent(built_warehouse: Settings) -> None:
    expected = costs_by_tenant_day(built_warehouse.lake_dir)
    got = {
        (d, t): (calls, inp, out, cost, unpriced)
        for d, t, calls, inp, out, cost, unpriced in query(
            built_warehouse,
            "select cost_date, tenant_id, sum(llm_call_count), sum(input_tokens), sum(output_tokens), "
            "sum(total_cost_usd), sum(unpriced_call_count) from finops.fct_llm_costs_daily group by 1, 2",
        )
    }
    assert set(got) == set(expected)
    for key, agg in expected.items():
        calls, inp, out, cost, unpriced = got[key]
        assert (calls, inp, out, unpriced) == (
            agg["calls"],
            agg["input_tokens"],
            agg["output_tokens"],
            agg["unpriced"],
        ), key
        assert abs(Decimal(cost) - agg["cost"]) < CENT, (key, cost, agg["cost"])
    # and the grand total, where rounding errors would pile up
    total = query(built_warehouse, "select sum(total_cost_usd) from finops.fct_llm_costs_daily")[0][0]
    assert abs(Decimal(total) - sum(a["cost"] for a in expected.values())) < CENT


def test_unpriced_models_are_flagged_not_zero(built_warehouse: Settings) -> None:
    rows = query(
        built_warehouse, "select model, sum(unpriced_call_count) from finops.fct_unpriced_usage group by 1"
    )
    assert dict(rows).get("mystery-model-x", 0) > 0
    zero_cost_unpriced = query(
        built_warehouse,
        "select count(*) from intermediate.int_llm_calls_priced where is_unpriced and cost_usd is not null",
    )
    assert zero_cost_unpriced[0][0] == 0


def test_request_counts_and_percentiles_match(built_warehouse: Settings) -> None:
    expected = requests_by_tenant_day(built_warehouse.lake_dir)
    got = {
        (d, t): row
        for d, t, *row in query(
            built_warehouse,
            "select latency_date, tenant_id, sampled_request_count, request_count, latency_p50_ms, "
            "latency_p95_ms, latency_p99_ms, is_estimated from reliability.fct_tenant_latency_daily",
        )
    }
    assert len(got) == expected.height
    for r in expected.iter_rows(named=True):
        sampled, weighted, p50, p95, p99, is_estimated = got[(r["date"], r["tenant_id"])]
        assert sampled == r["sampled"]
        assert weighted == pytest.approx(r["weighted"])
        assert (p50, p95, p99) == pytest.approx((r["p50"], r["p95"], r["p99"]))
        assert is_estimated == (r["weighted"] > r["sampled"])


def test_tenant_is_filled_down_from_the_root_span(built_warehouse: Settings) -> None:
    # the fixture sets tenant only on root spans; LLM spans must carry the root's tenant
    mismatched = query(
        built_warehouse,
        """
        select count(*)
        from intermediate.int_llm_calls_priced as calls
        join intermediate.int_requests_summarized as requests
            on calls.trace_id = requests.trace_id and calls.root_span_id = requests.root_span_id
        where calls.tenant_id is distinct from requests.tenant_id
        """,
    )
    assert mismatched[0][0] == 0
    # including the request that crosses midnight: its LLM calls land on the next day
    crossing = query(
        built_warehouse,
        "select count(*), count(tenant_id) from intermediate.int_llm_calls_priced "
        "where trace_id = '00000000000000000000000000000001'",
    )
    assert crossing[0][0] > 0


def test_unknown_tenants_flow_through(built_warehouse: Settings) -> None:
    rows = query(
        built_warehouse,
        "select tenant_name, cost_center from finops.fct_chargeback_monthly where tenant_id = 'newco'",
    )
    assert rows and all(name is None and cc == "(unknown)" for name, cc in rows)


def test_failed_200_and_eval_reasons(built_warehouse: Settings) -> None:
    statuses = dict(
        query(
            built_warehouse,
            "select request_status, count(*) from intermediate.int_requests_summarized group by 1",
        )
    )
    assert statuses.get("failed_200", 0) > 0 and statuses.get("error", 0) > 0
    reasons = query(built_warehouse, "select reasons from evals.fct_eval_candidates")
    seen = {r for (rs,) in reasons for r in rs.split(",")}
    assert {"error", "200_but_failed", "refusal", "low_eval_score", "negative_feedback", "agent_loop"} <= seen


def test_rebuild_and_partition_rerun_are_identical(built_warehouse: Settings) -> None:
    before = snapshot(built_warehouse)
    assert before["finops.fct_llm_costs_daily"]

    # models only (`dbt run`): the tests already passed on the same data in the session's build
    full = run_dbt(built_warehouse, ["run", "--full-refresh"])
    assert full.success, full.output_tail
    assert snapshot(built_warehouse) == before

    one_day = run_dbt(built_warehouse, ["run"], vars={"min_date": "2025-03-31", "max_date": "2025-03-31"})
    assert one_day.success, one_day.output_tail
    assert snapshot(built_warehouse) == before


def test_eval_candidates_are_capped_per_tenant_and_day(built_warehouse: Settings) -> None:
    capped = run_dbt(
        built_warehouse,
        ["run", "--select", "fct_eval_candidates", "--full-refresh"],
        vars={"eval_candidates_per_tenant_day": "2"},
    )
    try:
        assert capped.success, capped.output_tail
        worst = query(
            built_warehouse,
            "select max(n) from (select count(*) as n from evals.fct_eval_candidates "
            "group by candidate_date, tenant_id)",
        )
        assert worst[0][0] == 2
    finally:
        assert run_dbt(built_warehouse, ["run", "--select", "fct_eval_candidates", "--full-refresh"]).success


# The skills queries read Claude Code's catalog and activity, which this lake does not hold: tests/skills
# runs them on a lake that does.
SAVED_QUERIES = [
    p
    for p in sorted((Path(__file__).resolve().parents[2] / "sql").glob("*.sql"))
    if "developer_tools." not in p.read_text() and "int_skill_" not in p.read_text()
]


@pytest.mark.parametrize("path", SAVED_QUERIES, ids=lambda p: p.name)
def test_saved_queries_run_and_return_rows(built_warehouse: Settings, path: Path) -> None:
    text = path.read_text()
    assert text.startswith("--"), "every saved query starts with a header comment"
    # the parameters the query declares, at their defaults, bound as `spanledger query` binds them
    values = bind(declared_parameters(text, path.name), used_parameters(text), {}, path.name)
    with duckdb.connect(str(built_warehouse.warehouse_path), read_only=True) as con:
        assert con.execute(text, values or None).fetchall(), f"{path.name} returned no rows"
