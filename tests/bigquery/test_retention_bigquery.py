"""Retention on BigQuery: partition expiration removes each class's old days; `spanledger retention
apply` and the Dagster retention job delete by DML what the policy keeps for less (a tenant's shorter
override, tables without expiration), in the lake tables and dbt's models, and log it in the ledger.
On the emulator (which keeps expired partitions: only the DML is tested here)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from google.cloud import bigquery

from orchestration.compliance.bigquery_retention import lake_tables, model_tables, retention_deletes
from orchestration.compliance.ledger import Ledger
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.loader import DayLoader
from orchestration.warehouse.bigquery.tables import ensure_dataset

TODAY = datetime.now(UTC).date()


def _ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _rows(client, sql: str) -> list[tuple]:
    return sorted(tuple(r.values()) for r in client.query(sql).result())


@pytest.fixture(scope="module")
def retained(tmp_path_factory, landed, bq_client, bq_config):
    """A copy of the landed lake in BigQuery, two model tables, and a policy where one tenant keeps raw
    telemetry 1 day and facts 3 days (everyone else: the defaults, 30 and 400)."""
    data = tmp_path_factory.mktemp("bq-retention") / "data"
    shutil.copytree(landed.data_dir, data)
    settings = Settings.from_env(data)
    config = replace(bq_config, lake_dataset="lake_ret", warehouse_dataset="wh_ret")
    DayLoader(bq_client, config, settings).load_changed()
    spans = config.table_id("spans")
    tenants = [
        r[0] for r in _rows(bq_client, f"select distinct tenant_id from `{spans}` where date = '{_ago(2)}'")
    ]
    short, other = tenants[0], tenants[1]
    (data / "retention.toml").write_text(f'[retention.tenants."{short}"]\nraw = 1\nfacts = 3\n')

    facts = f"{config.project}.wh_ret_intermediate.int_llm_calls_priced"  # partitioned: expiration = 400 days
    finops = f"{config.project}.wh_ret_finops.fct_chargeback_monthly"  # unpartitioned: no expiration at all
    for dataset in ("wh_ret_intermediate", "wh_ret_finops"):
        ensure_dataset(bq_client, config, dataset)
    table = bigquery.Table(
        facts,
        schema=[
            bigquery.SchemaField("tenant_id", "STRING"),
            bigquery.SchemaField("call_date", "DATE"),
            bigquery.SchemaField("cost_usd", "NUMERIC"),
        ],
    )
    table.time_partitioning = bigquery.TimePartitioning(field="call_date")
    bq_client.create_table(table)
    bq_client.create_table(
        bigquery.Table(
            finops,
            schema=[bigquery.SchemaField("tenant_id", "STRING"), bigquery.SchemaField("month_date", "DATE")],
        )
    )
    rows = [(short, 5), (short, 1), (other, 5), (other, 500)]
    bq_client.query(
        f"insert into `{facts}` (tenant_id, call_date, cost_usd) values "
        + ", ".join(f"('{t}', date '{_ago(d)}', 1)" for t, d in rows)
    ).result()
    bq_client.query(
        f"insert into `{finops}` (tenant_id, month_date) values "
        f"('{other}', date '{_ago(3000)}'), ('{other}', date '{_ago(10)}')"
    ).result()
    return settings, config, short, other, facts, finops


def _bigquery_env(monkeypatch, config, endpoint) -> None:
    for name, value in {
        "SPANLEDGER_WAREHOUSE": "bigquery",
        "SPANLEDGER_BQ_API_ENDPOINT": endpoint,
        "SPANLEDGER_BQ_PROJECT": config.project,
        "SPANLEDGER_LAKE_SCHEMA": config.lake_dataset,
        "SPANLEDGER_BQ_DATASET": config.warehouse_dataset,
    }.items():
        monkeypatch.setenv(name, value)


def test_only_what_partition_expiration_misses_gets_dml(retained, bq_client):
    settings, config, short, _, facts, finops = retained
    from orchestration.compliance.policy import load_policy

    models, _ = model_tables(bq_client, config, settings)
    by_id = {t.table_id: t for t in models}
    assert (by_id[facts].data_class, by_id[facts].expiration_days) == ("facts", 400)
    assert (by_id[finops].data_class, by_id[finops].expiration_days) == ("finops", None)
    deletes = {
        (d.table_id, d.tenant_id)
        for d in retention_deletes(lake_tables(config) + models, TODAY, load_policy(settings))
    }
    # the short tenant's raw and facts overrides; the finops default on the table without expiration;
    # nothing for defaults that the expiration already enforces (raw 30, facts 400)
    assert deletes == {
        (config.table_id(t), short) for t in ("spans", "span_events", "span_links", "logs", "metric_points")
    } | {(facts, short), (finops, None)}


def test_dry_run_counts_and_the_retention_job_deletes(retained, bq_client, bq_config, monkeypatch):
    from orchestration.cli import main
    from orchestration.defs.compliance.definitions import retention_job
    from orchestration.defs.resources import SpanledgerResource

    settings, config, short, other, facts, finops = retained
    spans = config.table_id("spans")
    lake_before = _rows(
        bq_client, f"select tenant_id, cast(date as string), count(*) from `{spans}` group by 1, 2"
    )
    expired = sum(n for t, d, n in lake_before if t == short and d < _ago(1))
    assert expired > 0
    _bigquery_env(monkeypatch, config, bq_config.api_endpoint)

    dry = CliRunner().invoke(
        main,
        ["--data-dir", str(settings.data_dir), "retention", "apply", "--dry-run", "--json"],
        catch_exceptions=False,
    )
    assert dry.exit_code == 0, dry.output
    removed = {r["target"]: r["rows"] for r in json.loads(dry.output)["removed"]}
    assert removed[f"warehouse:bigquery:{spans}"] == expired
    assert removed[f"warehouse:bigquery:{facts}"] == 1 and removed[f"warehouse:bigquery:{finops}"] == 1
    assert (
        _rows(bq_client, f"select tenant_id, cast(date as string), count(*) from `{spans}` group by 1, 2")
        == lake_before
    )  # a dry run changes nothing

    result = retention_job.execute_in_process(
        resources={"spanledger": SpanledgerResource(data_dir=str(settings.data_dir))}
    )
    assert result.success
    lake_after = _rows(
        bq_client, f"select tenant_id, cast(date as string), count(*) from `{spans}` group by 1, 2"
    )
    assert lake_after == [(t, d, n) for t, d, n in lake_before if not (t == short and d < _ago(1))]
    assert _rows(bq_client, f"select tenant_id, cast(call_date as string) from `{facts}`") == sorted(
        [(short, _ago(1)), (other, _ago(5)), (other, _ago(500))]
    )  # 500 days: partition expiration's job
    assert _rows(bq_client, f"select tenant_id, cast(month_date as string) from `{finops}`") == [
        (other, _ago(10))
    ]
    with Ledger(settings) as ledger:
        last = ledger.retention_runs()[-1]
    logged = {r["target"]: r["rows"] for r in json.loads(last["removed_json"])}
    assert not last["dry_run"] and logged[f"warehouse:bigquery:{spans}"] == expired
    assert logged[f"warehouse:bigquery:{facts}"] == 1
