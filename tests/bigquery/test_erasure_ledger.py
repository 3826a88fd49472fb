"""A BigQuery erasure is a step of the same ledger request as the lake's, and the request is complete
only when BigQuery's time travel and fail-safe have let the deleted rows go."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from google.cloud import bigquery

from orchestration.compliance.bigquery_erasure import erase_ledger_requests
from orchestration.compliance.erasure import erase_everywhere
from orchestration.compliance.ledger import Ledger
from orchestration.compliance.ledger_export import export_path
from orchestration.settings import Settings
from orchestration.warehouse.bigquery.config import FAIL_SAFE_HOURS
from orchestration.warehouse.bigquery.erasure import ledger_warehouse, step_target
from orchestration.warehouse.bigquery.loader import DayLoader, lake_days


def _count(client, sql, **params) -> int:
    job_config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter(k, "STRING", v) for k, v in params.items()]
    )
    return next(iter(client.query(sql, job_config=job_config).result()))[0]


@pytest.fixture(scope="module")
def erased(tmp_path_factory, landed, bq_client, bq_config):
    """A copy of the landed lake, loaded into its own dataset, then one person erased everywhere."""
    data = tmp_path_factory.mktemp("bq-erase") / "data"
    shutil.copytree(landed.data_dir, data)
    settings = Settings.from_env(data)
    config = replace(bq_config, lake_dataset="lake_erase", warehouse_dataset="wh_erase")
    DayLoader(bq_client, config, settings).load_days(lake_days(settings))
    spans = config.table_id("spans")
    subject = _count(
        bq_client,
        f"select user_hash from `{spans}` where user_hash is not null "
        "group by 1 order by count(*) desc limit 1",
    )
    held = _count(bq_client, f"select count(*) from `{spans}` where user_hash = @s", s=subject)
    result = erase_everywhere(settings, bq_client, config, subject)
    return settings, config, subject, held, result


def _trace_rows(client, config, traces: list[str]) -> dict[str, int]:
    """Rows of these traces per table that carry no user id (evaluation logs, content-less children)."""
    job_config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ArrayQueryParameter("t", "STRING", traces)]
    )
    return {
        table: next(
            iter(
                client.query(
                    f"select count(*) from `{config.table_id(table)}` where trace_id in unnest(@t) "
                    "and user_hash is null",
                    job_config=job_config,
                ).result()
            )
        )[0]
        for table in ("spans", "span_events", "logs")
    }


def test_bigquery_loses_the_persons_trace_rows_without_their_id(landed, bq_client, bq_config, tmp_path):
    """Rows of the person's traces that name nobody go too, found in BigQuery itself and in the lake's
    part of the same request; other people's rows stay."""
    data = tmp_path / "data"
    shutil.copytree(landed.data_dir, data)
    settings = Settings.from_env(data)
    config = replace(bq_config, lake_dataset="lake_traces", warehouse_dataset="wh_traces")
    DayLoader(bq_client, config, settings).load_days(lake_days(settings))
    logs = config.table_id("logs")
    spans = config.table_id("spans")
    subject = _count(
        bq_client,
        f"select s.user_hash from `{spans}` s join `{logs}` l on l.trace_id = s.trace_id "
        "where s.user_hash is not null and l.user_hash is null group by 1 order by count(*) desc limit 1",
    )
    job_config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter("s", "STRING", subject)]
    )
    traces = [
        r[0]
        for r in bq_client.query(
            f"select distinct trace_id from `{spans}` where user_hash = @s", job_config=job_config
        ).result()
    ]
    before = _trace_rows(bq_client, config, traces)
    assert before["logs"] > 0, before
    total = _count(bq_client, f"select count(*) from `{logs}`")
    result = erase_everywhere(settings, bq_client, config, subject)
    assert _trace_rows(bq_client, config, traces) == dict.fromkeys(before, 0)
    assert result.rows_by_table[logs] >= before["logs"]
    assert _count(bq_client, f"select count(*) from `{logs}`") == total - result.rows_by_table[logs]
    with Ledger(settings) as ledger:
        assert ledger.traces(result.request_id) == set(), "the trace ids go once BigQuery's part is done"


def test_bigquery_rows_go_and_the_ledger_holds_them_in_the_same_request(erased, bq_client):
    settings, config, subject, held, result = erased
    spans = config.table_id("spans")
    assert held > 0 and result.rows_by_table[spans] == held
    assert _count(bq_client, f"select count(*) from `{spans}` where user_hash = @s", s=subject) == 0
    with Ledger(settings) as ledger:
        (request,) = [r for r in ledger.requests() if r["subject_hash"] == subject]
        assert request["status"] == "done" and request["request_id"] == result.request_id
        step = ledger.step(request["request_id"], step_target(spans))
        assert step == (held, "done")
        # the lake's part is in the same request: files rewritten, rows per lake table
        assert request["files_rewritten"] > 0
        assert ledger.removed(request["request_id"])["lake/spans"] == held
        (record,) = ledger.warehouse_erasures(request["request_id"])
    assert record["warehouse"] == ledger_warehouse(config)
    lake = ds.dataset(settings.table_dir("spans"), format="parquet", partitioning="hive").to_table(
        columns=["user_hash"]
    )
    assert not pc.any(pc.equal(lake["user_hash"], subject)).as_py()


def test_completed_means_past_time_travel_and_fail_safe(erased):
    settings, _, subject, _, result = erased
    with Ledger(settings) as ledger:
        (request,) = [r for r in ledger.requests() if r["subject_hash"] == subject]
        (record,) = ledger.warehouse_erasures(request["request_id"])
    deleted = datetime.fromisoformat(record["deleted_at"])
    completed = datetime.fromisoformat(request["completed_at"])
    assert record["fail_safe_hours"] == FAIL_SAFE_HOURS == 168
    assert 48 <= record["time_travel_hours"] <= 168  # the dataset's window (the emulator: the 7-day default)
    assert completed == deleted + timedelta(hours=record["time_travel_hours"] + FAIL_SAFE_HOURS)
    assert completed == result.physically_gone_at
    assert timedelta(days=9) <= completed - datetime.now(UTC) <= timedelta(days=14)
    # the export the dbt compliance models read carries the same completion time
    exported = pq.read_table(export_path(settings, "erased_subjects")).to_pylist()
    assert {"subject_hash": subject, "completed_at": request["completed_at"]}.items() <= next(
        r for r in exported if r["subject_hash"] == subject
    ).items()


def test_a_rerun_has_nothing_left_to_do(erased, bq_client):
    settings, config, *_ = erased
    assert erase_ledger_requests(settings, bq_client, config) == []


def test_a_shorter_time_travel_window_completes_sooner(tmp_path):
    settings = Settings.from_env(tmp_path)
    with Ledger(settings) as ledger:
        rid = ledger.add_request("a" * 64, None, "test")
        ledger.mark_done(rid, 0)
        deleted = datetime.now(UTC).replace(microsecond=0)
        ledger.finish_step(rid, step_target("p.lake.spans"), 7)
        completed = ledger.record_warehouse_erasure(rid, "bigquery:p", deleted, 48, FAIL_SAFE_HOURS)
        request = ledger.request(rid)
    # the lake part finished now; BigQuery's rows are unrecoverable 2 + 7 days after the DML
    assert completed == request["completed_at"] == (deleted + timedelta(days=9)).isoformat()
    assert '"warehouse:bigquery:p.lake.spans": 7' in request["rows_removed_json"]


def test_completed_never_moves_earlier(tmp_path):
    settings = Settings.from_env(tmp_path)
    with Ledger(settings) as ledger:
        rid = ledger.add_request("b" * 64, None, "test")
        ledger.mark_done(rid, 0)
        lake_done = ledger.request(rid)["completed_at"]
        old_dml = datetime.now(UTC) - timedelta(days=30)  # BigQuery's part ran long ago: already gone
        assert ledger.record_warehouse_erasure(rid, "bigquery:p", old_dml, 168, FAIL_SAFE_HOURS) == lake_done


def _bigquery_env(monkeypatch, config, endpoint) -> None:
    for name, value in {
        "SPANLEDGER_WAREHOUSE": "bigquery",
        "SPANLEDGER_BQ_API_ENDPOINT": endpoint,
        "SPANLEDGER_BQ_PROJECT": config.project,
        "SPANLEDGER_LAKE_SCHEMA": config.lake_dataset,
        "SPANLEDGER_BQ_DATASET": config.warehouse_dataset,
    }.items():
        monkeypatch.setenv(name, value)


def _other_subject(client, spans: str, *exclude: str) -> str:
    job_config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ArrayQueryParameter("x", "STRING", list(exclude))]
    )
    rows = client.query(
        f"select user_hash from `{spans}` where user_hash is not null and user_hash not in "
        "unnest(@x) group by 1 order by count(*) desc limit 1",
        job_config=job_config,
    ).result()
    return next(iter(rows))[0]


def test_spanledger_erase_on_bigquery_erases_there_in_the_same_request(
    erased, bq_client, bq_config, monkeypatch
):
    from click.testing import CliRunner

    from orchestration.cli import main
    from orchestration.compliance import erasure

    settings, config, first, *_ = erased
    spans = config.table_id("spans")
    subject = _other_subject(bq_client, spans, first)
    held = _count(bq_client, f"select count(*) from `{spans}` where user_hash = @s", s=subject)
    assert held > 0
    _bigquery_env(monkeypatch, config, bq_config.api_endpoint)

    class Hasher(erasure.SubjectHasher):  # "someone" is the raw id behind the subject's hash
        def __call__(self, raw):
            return subject if raw == "someone" else super().__call__(raw)

    monkeypatch.setattr(erasure, "SubjectHasher", Hasher)
    result = CliRunner().invoke(
        main, ["--data-dir", str(settings.data_dir), "erase", "--user", "someone"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert _count(bq_client, f"select count(*) from `{spans}` where user_hash = @s", s=subject) == 0
    with Ledger(settings) as ledger:
        (request,) = [r for r in ledger.requests() if r["subject_hash"] == subject]
        rid = request["request_id"]
        assert request["status"] == "done" and request["source"] == "cli"
        assert ledger.step(rid, step_target(spans)) == (held, "done")
        assert ledger.removed(rid)["lake/spans"] == held  # the lake's part, same request
        (record,) = ledger.warehouse_erasures(rid)
    assert request["completed_at"] == record["gone_at"]  # after time travel + fail-safe
    assert not [r for r in erasure.status(settings) if r["bigquery_pending"]]


def test_erase_status_shows_a_request_waiting_for_bigquery(erased, bq_config, monkeypatch):
    from orchestration.compliance import erasure
    from orchestration.compliance.erasure import run_pending

    settings, config, *_ = erased
    with Ledger(settings) as ledger:  # lake done, BigQuery not yet (e.g. BigQuery was unreachable)
        rid = ledger.add_request("c" * 64, None, "test", datetime.now(UTC) - timedelta(days=40))
    run_pending(settings, [rid])
    _bigquery_env(monkeypatch, config, bq_config.api_endpoint)
    settings = Settings.from_env(settings.data_dir)  # SPANLEDGER_WAREHOUSE=bigquery
    (row,) = [r for r in erasure.status(settings) if r["request_id"] == rid]
    assert row["status"] == "done" and row["bigquery_pending"] and row["overdue"]
    assert rid in erasure.erase_in_bigquery(settings)
    (row,) = [r for r in erasure.status(settings) if r["request_id"] == rid]
    assert not row["bigquery_pending"] and not row["overdue"]


def test_the_nightly_erasure_job_erases_in_bigquery_too(erased, bq_client, bq_config, monkeypatch):
    from orchestration.defs.compliance.definitions import erasure_job
    from orchestration.defs.resources import SpanledgerResource

    settings, config, first, *_ = erased
    spans = config.table_id("spans")
    subject = _other_subject(bq_client, spans, first)
    with Ledger(settings) as ledger:  # what `spanledger erase --queue` records
        rid = ledger.add_request(subject, None, "test")
    assert _count(bq_client, f"select count(*) from `{spans}` where user_hash = @s", s=subject) > 0

    _bigquery_env(monkeypatch, config, bq_config.api_endpoint)
    result = erasure_job.execute_in_process(
        resources={"spanledger": SpanledgerResource(data_dir=str(settings.data_dir))}
    )
    assert result.success
    assert _count(bq_client, f"select count(*) from `{spans}` where user_hash = @s", s=subject) == 0
    with Ledger(settings) as ledger:
        assert ledger.request(rid)["status"] == "done"
        assert [r["request_id"] for r in ledger.warehouse_erasures(rid)] == [rid]
        assert ledger.step(rid, step_target(spans))[1] == "done"
