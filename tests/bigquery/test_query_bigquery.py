"""`spanledger query` on SPANLEDGER_WAREHOUSE=bigquery: the analysts' saved queries (DuckDB SQL)
translated by sqlglot and run on BigQuery against the datasets dbt builds (`<dataset>_<schema>`).

Covered: every file in sql/ translates to SQL that sqlglot parses as BigQuery, with every table
qualified (`project`.`<dataset>_<schema>`) and no DuckDB-only construct left (aggregate percentiles,
a subquery in LIMIT); each saved query runs through the CLI (CliRunner, emulator env) on small tables
shaped like the marts it reads, and prints the expected rows (table, CSV and JSON); bad SQL, a missing
table and a statement that is not a query fail in one line.
Not covered: real BigQuery's type checks (the emulator runs the SQL on DuckDB underneath, so e.g.
DATE - INT64 or GROUP BY ALL are only known to be valid BigQuery from its documentation), and the
numbers of APPROX_QUANTILES on large inputs (approximate on BigQuery, exact here).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner
from google.cloud import bigquery
from sqlglot import exp

from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.bigquery.query import QueryError, to_bigquery_sql
from orchestration.warehouse.bigquery.tables import ensure_dataset

REPO = Path(__file__).resolve().parents[2]
SAVED_QUERIES = sorted((REPO / "sql").glob("*.sql"))
OFFLINE = BigQueryConfig(project="my-project", warehouse_dataset="spanledger")
WAREHOUSE = "qry"  # SPANLEDGER_BQ_DATASET of the emulator tests: marts in qry_finops, ...


# --- translation (no emulator) ------------------------------------------------------------------


@pytest.mark.parametrize("path", SAVED_QUERIES, ids=lambda p: p.name)
def test_every_saved_query_translates_to_bigquery_sql(path: Path) -> None:
    translated = to_bigquery_sql(path.read_text(), OFFLINE)
    statements = sqlglot.parse(translated, read="bigquery")
    assert len(statements) == 1
    tree = statements[0]
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = [t for t in tree.find_all(exp.Table) if t.name not in ctes]
    assert tables, "reads no table"
    for table in tables:
        assert table.catalog == "my-project", table.sql("bigquery")
        assert table.db.startswith("spanledger_") and table.db.split("_", 1)[1] in (
            "finops",
            "reliability",
            "evals",
            "metrics",
            "developer_tools",
            "quality",
            "intermediate",
            "reference",
        ), table.sql("bigquery")
    assert not any(
        isinstance(node, (exp.PercentileCont, exp.PercentileDisc, exp.Quantile, exp.Median))
        for node in tree.walk()
    ), "aggregate percentile BigQuery does not have"
    limit = tree.args.get("limit")
    assert limit is None or not limit.find(exp.Subquery, exp.Select), "BigQuery's LIMIT takes a constant"


def test_translation_rules() -> None:
    sql = to_bigquery_sql(
        "with c as (select * from finops.fct_llm_costs_daily) "
        "select quantile_cont(x, 0.95) as p95, median(x) as p50, quantile_cont(x, 0.5) over () as w, "
        "percentile_cont(0.25) within group (order by x) as p25 "
        "from c, lake.spans, compliance.erased_subjects, main.t, bare, spanledger_evals.already",
        OFFLINE,
    )
    tree = sqlglot.parse_one(sql, read="bigquery")
    assert {t.sql("bigquery") for t in tree.find_all(exp.Table)} == {
        "`my-project`.`spanledger_finops`.fct_llm_costs_daily",  # a dbt schema: <dataset>_<schema>
        "c",  # a CTE
        "`my-project`.`lake`.spans",
        "`my-project`.`compliance`.erased_subjects",  # loaded sources
        "`my-project`.`spanledger`.t",  # DuckDB's main: dbt's dataset
        "bare",  # the job's default dataset
        "`my-project`.`spanledger_evals`.already",  # already a BigQuery dataset name
    }
    flat = " ".join(sql.split()).lower()
    for name, offset in (("p95", 950), ("p50", 500), ("p25", 250)):
        assert f"approx_quantiles(x, 1000)[offset({offset})] as {name}" in flat
    assert "percentile_cont(x, 0.5) over () as w" in flat  # analytic: BigQuery has it
    with pytest.raises(QueryError, match="only queries"):
        to_bigquery_sql("delete from finops.fct_llm_costs_daily", OFFLINE)
    with pytest.raises(QueryError, match="not DELETE"):  # a query that writes inside is not a query
        to_bigquery_sql("with d as (delete from finops.t returning *) select * from d", OFFLINE)
    with pytest.raises(QueryError, match="cannot parse") as err:
        to_bigquery_sql("select from where (", OFFLINE)
    assert "\n" not in str(err.value)


# --- on the emulator ----------------------------------------------------------------------------


def _literal(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"numeric '{value}'"
    if isinstance(value, datetime):
        return f"timestamp '{value.isoformat()}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "\\'") + "'"
    return repr(value)


D1, D2, FEB = date(2025, 3, 2), date(2025, 3, 3), date(2025, 2, 27)
T0 = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)

MARTS = {
    "finops.fct_llm_costs_daily": (
        "cost_date DATE, tenant_id STRING, feature STRING, model STRING, provider STRING, llm_call_count INT64, "
        "request_count INT64, input_tokens INT64, output_tokens INT64, cache_read_tokens INT64, "
        "total_tokens INT64, total_cost_usd NUMERIC, cache_savings_usd NUMERIC, unpriced_call_count INT64",
        [
            (
                D1,
                "acme",
                "chat",
                "gpt-4o",
                "openai",
                10,
                5,
                1000,
                500,
                250,
                1500,
                Decimal("3.00"),
                Decimal("0.10"),
                0,
            ),
            (
                D2,
                "acme",
                "chat",
                "gpt-4o",
                "openai",
                10,
                5,
                1000,
                500,
                250,
                1500,
                Decimal("1.00"),
                Decimal("0.05"),
                0,
            ),
            (
                D2,
                "globex",
                "search",
                "claude-x",
                "anthropic",
                4,
                4,
                400,
                100,
                0,
                500,
                Decimal("1.00"),
                Decimal("0"),
                1,
            ),
            (
                FEB,
                "globex",
                "search",
                "claude-x",
                "anthropic",
                100,
                100,
                1,
                1,
                0,
                2,
                Decimal("50.00"),
                Decimal("0"),
                0,
            ),
        ],
    ),
    "intermediate.int_requests_summarized": (
        "request_date DATE, feature STRING, sample_weight FLOAT64, latency_ms FLOAT64, is_error BOOL, "
        "is_failed_200 BOOL",
        [(D2, "chat", 1.0, ms, ms == 500.0, False) for ms in (100.0, 200.0, 300.0, 400.0, 500.0)]
        + [(D2, "search", 2.0, 1000.0, False, True), (D2, "search", 2.0, 1000.0, False, False)],
    ),
    "reliability.fct_tenant_latency_daily": (
        "latency_date DATE, tenant_id STRING, request_count FLOAT64, latency_p95_ms FLOAT64, latency_p99_ms FLOAT64, "
        "latency_slo_ms FLOAT64, latency_slo_target FLOAT64, latency_slo_attainment FLOAT64, error_rate FLOAT64, "
        "error_rate_slo FLOAT64, is_estimated BOOL",
        [
            (D1, "acme", 100.0, 800.0, 1200.0, 1000.0, 0.95, 0.98, 0.01, 0.02, False),
            (D2, "acme", 100.0, 900.0, 1500.0, 1000.0, 0.95, 0.94, 0.02, 0.02, False),
            (D2, "globex", 50.0, 2000.0, 3000.0, 1500.0, 0.99, 0.90, 0.10, 0.05, True),
        ],
    ),
    "reference.tenants": (
        "tenant_id STRING, tenant_name STRING, plan STRING",
        [("acme", "Acme Corp", "enterprise"), ("globex", "Globex", "startup")],
    ),
    "evals.fct_eval_candidates": (
        "candidate_date DATE, tenant_id STRING, feature STRING, trace_id STRING, priority STRING, "
        "priority_score FLOAT64, reasons STRING, failure_reason STRING, latency_ms FLOAT64, cost_usd NUMERIC, "
        "min_eval_score FLOAT64, min_feedback_score FLOAT64",
        [
            (D2, "acme", "chat", "t-low", "low", 0.5, "slow", None, 1234.4, Decimal("0.0123456"), None, None),
            (
                D2,
                "globex",
                "search",
                "t-high",
                "high",
                0.9,
                "error,negative_feedback",
                "timeout",
                99.6,
                Decimal("0.5"),
                0.2,
                -1.0,
            ),
            (D1, "acme", "chat", "t-older", "high", 1.0, "error", "boom", 10.0, Decimal("0.1"), None, None),
        ],
    ),
    "finops.fct_unpriced_usage": (
        "usage_date DATE, provider STRING, provider_name STRING, model STRING, llm_call_count INT64, "
        "unpriced_call_count INT64, reported_cost_call_count INT64, total_tokens INT64, reported_cost_usd NUMERIC, "
        "tenant_count INT64, first_seen_at TIMESTAMP, last_seen_at TIMESTAMP",
        [
            (D1, "acme-ai", "acme.ai", "mystery-1", 3, 3, 0, 300, Decimal("0"), 1, T0, T0.replace(hour=9)),
            (
                D2,
                "acme-ai",
                "acme.ai",
                "mystery-1",
                2,
                1,
                1,
                200,
                Decimal("0.25"),
                2,
                T0.replace(day=3),
                T0.replace(day=3, hour=20),
            ),
            (
                D2,
                "openai",
                "openai",
                "gpt-9-preview",
                1,
                0,
                1,
                50,
                Decimal("0.5"),
                1,
                T0.replace(day=3),
                T0.replace(day=3),
            ),
        ],
    ),
}


@pytest.fixture(scope="module")
def marts(bq_client, bq_config) -> BigQueryConfig:
    """Small tables shaped like the marts the saved queries read, where dbt-bigquery puts them."""
    config = replace(bq_config, lake_dataset="lake_qry", warehouse_dataset=WAREHOUSE)
    for name, (columns, rows) in MARTS.items():
        schema, table = name.split(".")
        dataset = f"{WAREHOUSE}_{schema}"
        ensure_dataset(bq_client, config, dataset)
        table_id = f"{config.project}.{dataset}.{table}"
        fields = [bigquery.SchemaField(*column.split()) for column in columns.split(", ")]
        bq_client.create_table(bigquery.Table(table_id, schema=fields), exists_ok=True)
        values = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
        bq_client.query(f"insert into `{table_id}` values {values}").result()
    return config


@pytest.fixture()
def spanledger(marts, tmp_path, monkeypatch):
    env = {
        "SPANLEDGER_WAREHOUSE": "bigquery",
        "SPANLEDGER_BQ_API_ENDPOINT": marts.api_endpoint,
        "SPANLEDGER_BQ_PROJECT": marts.project,
        "SPANLEDGER_BQ_DATASET": WAREHOUSE,
        "SPANLEDGER_LAKE_SCHEMA": marts.lake_dataset,
        "SPANLEDGER_DATA_DIR": str(tmp_path),
        "COLUMNS": "250",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def invoke(*args: str, ok: bool = True):
        from orchestration.cli import main

        result = CliRunner().invoke(
            main, ["--data-dir", str(tmp_path), "query", *args], catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def _json(spanledger, query: str, *args: str) -> list[dict]:
    return json.loads(spanledger(str(REPO / "sql" / query), "--format", "json", *args).stdout)


def _num(value) -> float:
    return round(float(value), 6)


def test_top_cost_drivers_this_month(spanledger) -> None:
    path = str(REPO / "sql/top_cost_drivers_this_month.sql")
    as_csv = list(csv.reader(io.StringIO(spanledger(path, "--format", "csv").stdout)))
    assert as_csv[0] == [
        "tenant_id",
        "feature",
        "model",
        "provider",
        "cost_usd",
        "share_of_month",
        "llm_calls",
        "total_tokens",
        "cost_per_request_usd",
        "cache_hit_rate",
        "cache_savings_usd",
    ]
    assert (as_csv[1][4], as_csv[1][10], as_csv[2][10]) == ("4", "0.15", "0")  # NUMERIC without scale-9 zeros
    rows = [[*row[:4], *(_num(v) for v in row[4:])] for row in as_csv[1:]]
    # March only (February's 50 USD is another month): acme 3 + 1, globex 1
    assert rows == [
        ["acme", "chat", "gpt-4o", "openai", 4.0, 0.8, 20.0, 3000.0, 0.4, 0.25, 0.15],
        ["globex", "search", "claude-x", "anthropic", 1.0, 0.2, 4.0, 500.0, 0.25, 0.0, 0.0],
    ]
    table = spanledger(path).stdout
    assert "acme" in table and "gpt-4o" in table and "globex" in table


def test_daily_cost_by_feature(spanledger) -> None:
    rows = {(r["day"], r["feature"]): r for r in _json(spanledger, "daily_cost_by_feature.sql")}
    assert set(rows) == {
        ("2025-03-03", "chat"),
        ("2025-03-03", "search"),
        ("2025-03-02", "chat"),
        ("2025-02-27", "search"),
    }
    chat = rows[("2025-03-03", "chat")]
    assert (_num(chat["requests"]), _num(chat["cost_usd"]), _num(chat["p50_ms"]), _num(chat["p95_ms"])) == (
        5.0,
        1.0,
        300.0,
        500.0,
    )
    assert (_num(chat["errors"]), _num(chat["error_rate"]), _num(chat["cost_per_request_usd"])) == (
        1.0,
        0.2,
        0.2,
    )
    search = rows[("2025-03-03", "search")]
    assert (
        _num(search["requests"]),
        _num(search["failed_200"]),
        _num(search["error_rate"]),
        search["unpriced_calls"],
    ) == (4.0, 2.0, 0.5, 1)
    assert rows[("2025-03-02", "chat")]["requests"] is None  # costs without request rows: full outer join


def test_tenant_slo_report(spanledger) -> None:
    rows = _json(spanledger, "tenant_slo_report.sql")
    assert [r["tenant_id"] for r in rows] == ["globex", "acme"]  # worst error budget burn first
    globex, acme = rows
    assert (
        globex["tenant_name"],
        globex["plan"],
        _num(globex["requests"]),
        _num(globex["worst_day_p99_ms"]),
    ) == ("Globex", "startup", 50.0, 3000.0)
    assert (
        globex["latency_slo_met"],
        globex["error_rate_slo_met"],
        _num(globex["error_budget_burn"]),
        _num(globex["latency_budget_burn"]),
        globex["estimated"],
    ) == (False, False, 2.0, 10.0, True)
    assert (
        acme["tenant_name"],
        _num(acme["requests"]),
        _num(acme["latency_slo_attainment"]),
        _num(acme["error_rate"]),
    ) == ("Acme Corp", 200.0, 0.96, 0.015)
    assert (
        acme["latency_slo_met"],
        acme["error_rate_slo_met"],
        _num(acme["error_budget_burn"]),
        _num(acme["latency_budget_burn"]),
        acme["estimated"],
    ) == (True, True, 0.75, 0.8, False)


def test_eval_candidates_yesterday(spanledger) -> None:
    rows = _json(spanledger, "eval_candidates_yesterday.sql")
    assert [(r["candidate_date"], r["trace_id"], r["priority"]) for r in rows] == [
        ("2025-03-03", "t-high", "high"),
        ("2025-03-03", "t-low", "low"),
    ]  # the latest day, highest score first
    assert (
        _num(rows[0]["latency_ms"]),
        _num(rows[0]["cost_usd"]),
        rows[0]["reasons"],
        rows[0]["failure_reason"],
    ) == (100.0, 0.5, "error,negative_feedback", "timeout")
    assert (_num(rows[1]["latency_ms"]), _num(rows[1]["cost_usd"]), rows[1]["min_eval_score"]) == (
        1234.0,
        0.012346,
        None,
    )


def test_unpriced_models(spanledger) -> None:
    path = str(REPO / "sql/unpriced_models.sql")
    rows = list(csv.DictReader(io.StringIO(spanledger(path, "--format", "csv").stdout)))
    assert [(r["provider"], r["telemetry_provider"], r["model"]) for r in rows] == [
        ("acme-ai", "acme.ai", "mystery-1"),
        ("openai", "openai", "gpt-9-preview"),
    ]
    mystery = rows[0]
    assert [
        int(mystery[c])
        for c in ("calls", "unpriced_calls", "reported_cost_calls", "total_tokens", "max_tenants_per_day")
    ] == [5, 4, 1, 500, 2]
    assert _num(mystery["reported_cost_usd"]) == 0.25
    assert mystery["first_seen_at"].startswith("2025-03-02 08:00") and mystery["last_seen_at"].startswith(
        "2025-03-03 20:00"
    )


def test_declared_parameters_are_bigquery_query_parameters(spanledger) -> None:
    path = str(REPO / "sql/tenant_cost_by_day.sql")
    rows = _json(
        spanledger, "tenant_cost_by_day.sql", "--var", "tenant=acme", "--var", "from_date=2025-03-03"
    )
    assert [(r["cost_date"], r["tenant_id"], _num(r["cost_usd"])) for r in rows] == [
        ("2025-03-03", "acme", 1.0)
    ]
    # a value that would break out of a spliced string literal is only ever a value
    hostile = spanledger(path, "--var", "tenant=acme' or '1'='1", "--format", "json")
    assert json.loads(hostile.stdout) == []
    refused = spanledger(path, "--var", "tenant_id=acme", ok=False)
    assert refused.exit_code == 2 and "unknown parameter tenant_id" in refused.output


def test_query_strings_take_no_vars(spanledger) -> None:
    result = spanledger("select 1 as one", "--var", "since=2025-03-01", ok=False)
    assert result.exit_code == 2 and "declares in its header" in result.output


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("select * from finops.no_such_mart", "no_such_mart"),
        ("select no_such_column from finops.fct_llm_costs_daily", "no_such_column"),
        ("selec 1", "cannot parse"),
        ("delete from finops.fct_llm_costs_daily where true", "only queries"),
        # two queries are a BigQuery script, which may declare and write: its dry run says so
        ("select 1 as a; select 2 as b", "BigQuery reads this as SCRIPT"),
    ],
)
def test_errors_are_one_clear_line(spanledger, sql: str, expected: str) -> None:
    result = spanledger(sql, ok=False)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: query failed on BigQuery:"), result.output
    assert expected.lower() in lines[0].lower() and "Traceback" not in result.output


def test_an_unreachable_endpoint_is_one_line_not_a_hang(tmp_path, monkeypatch) -> None:
    from orchestration.cli import main
    from orchestration.warehouse.bigquery import query
    from tests.bigquery.emulator import free_port

    monkeypatch.setattr(query, "API_RETRY_SECONDS", 2.0)
    for name, value in {
        "SPANLEDGER_WAREHOUSE": "bigquery",
        "SPANLEDGER_DATA_DIR": str(tmp_path),
        "SPANLEDGER_BQ_API_ENDPOINT": f"http://127.0.0.1:{free_port()}",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path), "query", str(REPO / "sql/unpriced_models.sql")],
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert result.output.strip().startswith(
        "error: query failed on BigQuery: cannot reach BigQuery at http://127.0.0.1:"
    )
    assert result.output.strip().endswith("Connection refused")
    assert len(result.output.strip().splitlines()) == 1
