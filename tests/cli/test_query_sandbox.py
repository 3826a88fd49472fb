"""`spanledger query` changes nothing and reads nothing but the warehouse and its lake.

Each hostile statement runs through the command (CliRunner on the real `main`) against a real built
data directory (tests/hostile_data.py: content capture on, so restricted/ holds prompts); afterwards
every file of the data directory is byte for byte what it was, and the error says why. The DuckDB
session's own settings are checked too, without the command's statement filter in front of them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.settings import Settings
from orchestration.warehouse.duckdb_sessions import open_for_analysts
from tests.built_once import private_copy
from tests.hostile_data import spanledger

REFUSED_STATEMENT = "runs only SELECT, EXPLAIN, PRAGMA statements"
OUTSIDE = "is outside what `spanledger query` reads"


@pytest.fixture(scope="module")
def data_dir(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return private_copy(hostile, tmp_path_factory.mktemp("sandbox") / "data")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _query(data_dir: Path, sql: str, monkeypatch: pytest.MonkeyPatch):
    from orchestration.cli import main

    monkeypatch.setenv("SPANLEDGER_DATA_DIR", str(data_dir))  # main() sets it; restored after the test
    monkeypatch.setenv("COLUMNS", "400")
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "query", sql])


def _hostile_statements(data_dir: Path) -> list[tuple[str, str]]:
    lake_file = next((data_dir / "lake" / "spans").glob("date=2026-*/*.parquet"))
    manifest = data_dir / "state" / "manifest.sqlite"
    restricted = data_dir / "restricted" / "content"
    return [
        (f"copy (select 1 as x) to '{_sql_path(lake_file)}' (format parquet)", REFUSED_STATEMENT),
        (f"copy (select 1 as x) to '{_sql_path(manifest)}'", REFUSED_STATEMENT),
        (f"select 1; copy (select 1 as x) to '{_sql_path(manifest)}'", "statement 2 is COPY"),
        (f"export database '{_sql_path(data_dir / 'state')}'", REFUSED_STATEMENT),
        (f"attach '{_sql_path(manifest)}' as manifest", REFUSED_STATEMENT),
        ("attach ':memory:' as scratch", REFUSED_STATEMENT),
        ("install httpfs", REFUSED_STATEMENT),
        ("load httpfs", REFUSED_STATEMENT),
        ("set enable_external_access = true", REFUSED_STATEMENT),
        ("set allowed_directories = ['/']", REFUSED_STATEMENT),
        ("reset lock_configuration", REFUSED_STATEMENT),
        ("create table finops.mine as select 1 as x", REFUSED_STATEMENT),
        ("select * from read_text('/etc/passwd')", OUTSIDE),
        (f"select * from read_blob('{_sql_path(manifest)}')", OUTSIDE),
        (f"select * from read_parquet('{_sql_path(restricted)}/*/*.parquet')", "content show --reason"),
        (
            f"select * from read_parquet('{_sql_path(data_dir / 'lake')}/../restricted/content/*/*.parquet')",
            OUTSIDE,
        ),
        (f"select * from read_csv('{_sql_path(data_dir / 'state' / 'landing.lock')}')", OUTSIDE),
    ]


@pytest.mark.parametrize("case", range(17))
def test_a_hostile_statement_is_refused_and_nothing_changes(data_dir, case, monkeypatch) -> None:
    statements = _hostile_statements(data_dir)
    assert len(statements) == 17
    sql, expected = statements[case]
    before = _fingerprint(data_dir)
    result = _query(data_dir, sql, monkeypatch)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: query refused:"), result.output
    assert expected in lines[0] and "Traceback" not in result.output
    assert _fingerprint(data_dir) == before


def test_the_warehouse_its_views_and_the_lake_still_read(data_dir, monkeypatch) -> None:
    before = _fingerprint(data_dir)
    lake = _sql_path(data_dir / "lake" / "spans")
    for sql in (
        "select count(*) from staging.stg_otlp__spans",
        "select count(*) from staging.stg_compliance__retention_policy",
        "select sum(total_cost_usd) from finops.fct_chargeback_monthly",
        f"select count(*) from read_parquet('{lake}/*/*.parquet')",
        "describe finops.fct_chargeback_monthly",
        "pragma show_tables",
        "explain select 1",
    ):
        result = _query(data_dir, sql, monkeypatch)
        assert result.exit_code == 0, f"{sql}: {result.output}"
    assert _fingerprint(data_dir) == before


def test_the_session_itself_is_locked_read_only_and_fenced(data_dir) -> None:
    """DuckDB's settings hold without the command's statement filter in front of them."""
    before = _fingerprint(data_dir)
    con = open_for_analysts(Settings.from_env(data_dir))
    try:
        for sql, error in (
            ("set enable_external_access = true", duckdb.InvalidInputException),
            ("set allowed_directories = ['/']", duckdb.InvalidInputException),
            ("set lock_configuration = false", duckdb.InvalidInputException),
            ("select * from read_text('/etc/passwd')", duckdb.PermissionException),
            (
                f"copy (select 1) to '{_sql_path(data_dir / 'state' / 'manifest.sqlite')}'",
                duckdb.PermissionException,
            ),
            (f"attach '{_sql_path(data_dir / 'state' / 'new.duckdb')}'", duckdb.PermissionException),
            ("create table finops.mine as select 1 as x", duckdb.InvalidInputException),  # read-only file
            ("install httpfs", duckdb.PermissionException),
        ):
            with pytest.raises(error):
                con.execute(sql)
        assert con.execute("select count(*) from staging.stg_otlp__spans").fetchone()[0] > 0
    finally:
        con.close()
    assert _fingerprint(data_dir) == before


def test_restricted_content_is_read_only_through_the_audited_command(data_dir, tmp_path) -> None:
    restricted = private_copy(data_dir, tmp_path / "data")
    trace_id = duckdb.sql(
        f"select trace_id from read_parquet('{_sql_path(restricted / 'restricted' / 'content')}/*/*.parquet') limit 1"
    ).fetchall()[0][0]
    refused = spanledger(
        restricted,
        "query",
        f"select content from read_parquet('{_sql_path(restricted / 'restricted' / 'content')}/*/*.parquet')",
    )
    assert refused.returncode == 2 and "spanledger content show" in refused.stderr
    shown = spanledger(
        restricted, "content", "show", "--trace-id", trace_id, "--reason", "ticket 7", "--json"
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().startswith("[") and trace_id in shown.stdout
    audit = spanledger(restricted, "content", "audit", "--json")
    assert '"reason": "ticket 7"' in audit.stdout and trace_id in audit.stdout
