"""dbt-bigquery builds every model of the project on the emulator, and every compiled model parses
as BigQuery SQL.

Covered: `dbt seed` and `dbt run --full-refresh --target bigquery` through dbt-bigquery's real
adapter (api_endpoint = the emulator): every bigquery__ macro variant, partition_by / cluster
configs, the initial CREATE TABLE of insert_overwrite models, and the marts' numbers against the
lake. sqlglot (dialect bigquery) parses each compiled model. The same lake built on DuckDB gives the
same marts: row counts and per-column totals of every mart table.
Not covered here (emulator limits): the incremental *rerun* of insert_overwrite models (dbt's
dynamic-partition script uses array_agg(distinct ... ignore nulls), which the emulator cannot
translate), dbt data tests and unit tests (an empty seed is not created as a table by the
emulator's load job; a unit-test fixture string is mangled), real partition pruning and costs.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlglot

from orchestration.compliance.policy import DEFAULT_DAYS
from orchestration.warehouse.bigquery.config import BigQueryConfig
from orchestration.warehouse.dbt_runner import PROJECT_DIR, dbt_executable


def test_every_model_builds_with_dbt_bigquery(dbt_build):
    _, run, results, manifest, _ = dbt_build
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    failed = {r["unique_id"]: r.get("message") for r in results if r["status"] != "success"}
    assert not failed, run.stdout[-3000:]
    built = [r for r in results if r["unique_id"].startswith("model.")]  # not the on-run-start hooks
    assert len(built) == len(models) >= 20


APPEND_ONLY = {"fct_chargeback_closed_lines"}


def test_incremental_models_are_day_partitioned_insert_overwrite(dbt_build, bq_client):
    config, _, _, manifest, _ = dbt_build
    incremental = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
    ]
    assert incremental
    for node in incremental:
        # the append-only closed lines insert only (a merge without a key), as they append on DuckDB
        expected = "merge" if node["name"] in APPEND_ONLY else "insert_overwrite"
        assert node["config"]["incremental_strategy"] == expected, node["name"]
        table = bq_client.get_table(f"{config.project}.{node['schema']}.{node['alias']}")
        assert table.time_partitioning is not None and table.time_partitioning.type_ == "DAY", node["name"]


def test_every_compiled_model_parses_as_bigquery_sql(dbt_build):
    _, _, _, manifest, _ = dbt_build
    compiled = {
        n["name"]: n.get("compiled_code") for n in manifest["nodes"].values() if n["resource_type"] == "model"
    }
    assert compiled and all(compiled.values())
    for name, sql in compiled.items():
        parsed = sqlglot.parse_one(sql, read="bigquery")
        assert parsed is not None, name


def test_marts_agree_with_the_lake(dbt_build, bq_client):
    config, *_ = dbt_build
    p = config.project
    calls = next(
        iter(bq_client.query(f"select count(*) from `{p}.dbt_intermediate.int_llm_calls_priced`").result())
    )[0]
    mart = next(
        iter(
            bq_client.query(f"select sum(llm_call_count) from `{p}.dbt_finops.fct_llm_costs_daily`").result()
        )
    )[0]
    assert calls > 0 and mart == calls
    chargeback = next(
        iter(bq_client.query(f"select count(*) from `{p}.dbt_finops.fct_chargeback_monthly`").result())
    )[0]
    assert chargeback > 0


def _parse(tmp_path, warehouse: str) -> dict:
    target = tmp_path / warehouse
    env = dict(
        os.environ,
        SPANLEDGER_WAREHOUSE=warehouse,
        SPANLEDGER_DATA_DIR=str(tmp_path),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env = {k: v for k, v in env.items() if not k.startswith("SPANLEDGER_RETENTION_")}
    proc = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target",
            warehouse,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    return {n["name"]: n["config"] for n in nodes if n["resource_type"] == "model"}


def test_partitions_expire_with_the_models_retention_class(tmp_path):
    """bigquery target: every day-partitioned model carries partition_expiration_days = its class's
    days (meta.retention_class, model YAML exceptions included). duckdb target: no model carries it."""
    bigquery_models = _parse(tmp_path, "bigquery")
    partitioned = {n: c for n, c in bigquery_models.items() if c.get("partition_by")}
    assert len(partitioned) >= 12
    for name, config in partitioned.items():
        assert config["partition_expiration_days"] == DEFAULT_DAYS[config["meta"]["retention_class"]], name
    assert partitioned["int_spans_attributed"]["partition_expiration_days"] == 30  # raw, by model YAML
    assert partitioned["fct_llm_costs_daily"]["partition_expiration_days"] == 7 * 365 + 2  # finops
    duckdb_models = _parse(tmp_path, "duckdb")
    assert not [n for n, c in duckdb_models.items() if c.get("partition_expiration_days") is not None]


def test_the_created_tables_carry_the_expiration(dbt_build):
    """The DDL dbt-bigquery ran on the emulator: `partition_expiration_days=<class days>` in the OPTIONS
    of every partitioned model's CREATE TABLE, and not in an unpartitioned table's (BigQuery accepts it
    only on partitioned tables)."""
    _, _, _, manifest, work = dbt_build
    log = (work / "logs" / "dbt.log").read_text()
    for node in manifest["nodes"].values():
        config = node["config"]
        if node["resource_type"] != "model" or config["materialized"] not in ("table", "incremental"):
            continue
        ddl = re.search(
            rf"create or replace table `[^`]+`\.`{node['schema']}`\.`{node['alias']}`(.*?)as \(",
            log,
            re.S | re.I,
        )
        assert ddl, node["name"]
        options = ddl.group(1).replace(" ", "")
        if config.get("partition_by"):
            days = DEFAULT_DAYS[config["meta"]["retention_class"]]
            assert f"partition_expiration_days={days}" in options, (node["name"], options)
        else:
            assert "partition_expiration_days" not in options, node["name"]


def test_real_bigquery_needs_credentials():
    """Runs only against a real project: SPANLEDGER_BQ_TEST_PROJECT and Google credentials."""
    if not (
        os.environ.get("SPANLEDGER_BQ_TEST_PROJECT") and os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    ):
        pytest.skip(
            "no real Google Cloud credentials: set SPANLEDGER_BQ_TEST_PROJECT and "
            "GOOGLE_APPLICATION_CREDENTIALS to load a day with the partition decorator"
        )
    from orchestration.warehouse.bigquery.client import make_client

    config = BigQueryConfig(
        project=os.environ["SPANLEDGER_BQ_TEST_PROJECT"], lake_dataset="spanledger_ci_lake"
    )
    assert Path(os.environ["GOOGLE_APPLICATION_CREDENTIALS"]).exists()
    make_client(config).query("select 1").result()


# --- both warehouses give the same marts ---------------------------------------------------------

MART_FOLDER = ("spanledger", "marts")
NUMERIC_TYPES = ("INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC")
# Known and documented (docs/bigquery.md, "Differences"): BigQuery's aggregate percentiles are
# APPROX_QUANTILES, nearest rank, so a tenant-day of fewer than 100 requests has p99 = its slowest
# request and no request is "slower than p99" there; DuckDB interpolates.
PERCENTILE_DEPENDENT = {"fct_eval_candidates"}
# The emulator (not BigQuery) rounds a NUMERIC quotient to 3 places inside a query: ratios of money
# match to that precision only.
EMULATOR_ROUNDED_RATIOS = {"cost_per_request_usd", "projected_month_end_cost_usd", "usd_per_million_tokens"}
# The emulator also rounds a call's cost x its sampling weight to 3 places before the sum (BigQuery keeps
# the NUMERIC product exact): the extrapolated cost of sampled traces matches to that precision only.
EMULATOR_ROUNDED_PRODUCTS = {"extrapolated_cost_usd"}


def _mart_tables(manifest: dict) -> list[tuple[str, str]]:
    return sorted(
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and tuple(node["fqn"][:2]) == MART_FOLDER
        and node["config"]["materialized"] in ("table", "incremental")
    )


def _same(bigquery_total, duckdb_total) -> bool:
    if bigquery_total is None or duckdb_total is None:
        return bigquery_total is None and duckdb_total is None
    if isinstance(bigquery_total, Decimal) or isinstance(duckdb_total, Decimal):
        return abs(Decimal(str(bigquery_total)) - Decimal(str(duckdb_total))) <= Decimal("1e-9")
    return math.isclose(float(bigquery_total), float(duckdb_total), rel_tol=1e-9, abs_tol=1e-9)


def test_every_mart_has_the_same_rows_and_totals_on_both_warehouses(dbt_build, bq_client, duckdb_twin):
    config, _, _, manifest, _ = dbt_build
    tables = _mart_tables(manifest)
    assert len(tables) >= 20
    differences: list[str] = []
    compared_columns = 0
    with duckdb.connect(str(duckdb_twin.warehouse_path), read_only=True) as con:
        for dataset, table in tables:
            if table in PERCENTILE_DEPENDENT:
                continue
            schema = bq_client.get_table(f"{config.project}.{dataset}.{table}").schema
            numeric = [field.name for field in schema if field.field_type in NUMERIC_TYPES]
            flags = [field.name for field in schema if field.field_type in ("BOOL", "BOOLEAN")]
            totals = ", ".join(
                [
                    "count(*)",
                    *(f"sum({column})" for column in numeric),
                    *(f"sum(case when {column} then 1 else 0 end)" for column in flags),
                ]
            )
            (bigquery_row,) = bq_client.query(
                f"select {totals} from `{config.project}.{dataset}.{table}`"
            ).result()
            found = con.execute(
                "select table_schema from information_schema.tables where table_name = ?", [table]
            ).fetchall()
            assert len(found) == 1, (table, found)
            duckdb_schema = found[0][0]
            duckdb_row = con.execute(f'select {totals} from "{duckdb_schema}"."{table}"').fetchone()
            for name, bigquery_total, duckdb_total in zip(
                ["rows", *numeric, *flags], bigquery_row, duckdb_row, strict=True
            ):
                compared_columns += 1
                if (
                    name in EMULATOR_ROUNDED_RATIOS | EMULATOR_ROUNDED_PRODUCTS
                    and bigquery_total is not None
                    and duckdb_total is not None
                ):
                    rows = bigquery_row[0]
                    if (
                        abs(Decimal(str(bigquery_total)) - Decimal(str(duckdb_total)))
                        <= Decimal("0.0005") * rows
                    ):
                        continue
                if not _same(bigquery_total, duckdb_total):
                    differences.append(f"{table}.{name}: BigQuery {bigquery_total} vs DuckDB {duckdb_total}")
    assert compared_columns > len(tables)
    assert not differences, "\n".join(differences)


# Row for row, money aside: the emulator rounds a NUMERIC quotient to 3 places inside a query (docs/
# bigquery.md, "Differences"), and the split of a call's cost weighs by list-cost ratios. The totals of
# every money column are compared by test_every_mart_has_the_same_rows_and_totals_on_both_warehouses;
# here everything else is: which rows exist, their keys, dates, categories, tokens and counts.
MONEY_SUFFIXES = ("_usd", "_usd_per_mtok", "_ratio", "share_of_month_total")
SURROGATE_KEYS = ("chargeback_line_id", "breakdown_id")  # hash_key differs on the emulator too


def _not_money(row: dict) -> dict:
    return {
        k: v
        for k, v in row.items()
        if not k.endswith(MONEY_SUFFIXES) and k not in SURROGATE_KEYS and k != "is_cost_split_estimated"
    }


@pytest.mark.parametrize(
    ("mart", "key"),
    [
        (
            "finops.fct_chargeback_focus_monthly",
            "billing_month_start_date, tenant_id, feature, team, provider, model, usage_type, charge_category, "
            "adjusted_month_start_date",
        ),
        ("finops.fct_chargeback_breakdowns_monthly", "billing_month_start_date, dimension, member"),
    ],
)
def test_chargeback_marts_equal_row_for_row(dbt_build, bq_client, duckdb_twin, mart, key):
    from orchestration.reports.marts import BigQueryMarts, DuckDBMarts

    config, *_ = dbt_build
    sql = f"select * from {mart} order by {key}"
    on_duckdb = DuckDBMarts(duckdb_twin.warehouse_path).rows(sql)
    on_bigquery = BigQueryMarts(config, bq_client).rows(sql)
    assert on_duckdb and len(on_bigquery) == len(on_duckdb)
    for duck, bq in zip(on_duckdb, on_bigquery, strict=True):
        assert list(bq) == list(duck)  # the same columns in the same order
        assert _not_money(bq) == _not_money(duck)


def test_chargeback_files_equal_from_both_warehouses(dbt_build, bq_client, duckdb_twin, tmp_path):
    """The report reads either warehouse: same months, same FOCUS rows (money aside, see above)."""
    import csv

    from orchestration.reports.chargeback import latest_month
    from orchestration.reports.focus import COLUMNS
    from orchestration.reports.marts import BigQueryMarts, DuckDBMarts
    from orchestration.reports.publish import make_chargeback_report

    config, *_ = dbt_build
    duck, bq = DuckDBMarts(duckdb_twin.warehouse_path), BigQueryMarts(config, bq_client)
    month = latest_month(duck)
    assert latest_month(bq) == month
    money = {c for c, kind in COLUMNS.items() if kind.startswith("decimal") and "Quantity" not in c}
    money.add("x_IsCostSplitEstimated")  # weighs the split by list cost

    def rows(files) -> list[dict]:
        with files.csv.open(newline="", encoding="utf-8") as f:
            return [{k: v for k, v in r.items() if k not in money} for r in csv.DictReader(f)]

    from_duckdb = rows(make_chargeback_report(duck, month, tmp_path / "duckdb"))
    from_bigquery = rows(make_chargeback_report(bq, month, tmp_path / "bigquery"))
    assert from_duckdb and len(from_bigquery) == len(from_duckdb)
    for duck, bq in zip(from_duckdb, from_bigquery, strict=True):
        assert bq == duck, {k: (bq[k], v) for k, v in duck.items() if bq[k] != v}
