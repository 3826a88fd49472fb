"""`spanledger sql`: the read-only SQL shell on the warehouse (issue 23, item 7).

The real entry point reads statements from a pipe (and, once, from a terminal) on a copy of a built
data directory (tests/hostile_data.py: a path full of quotes, braces and globs). Reads print rows; each
kind of write is refused with the sandbox's message, the shell goes on, the exit code says something
failed, and every file of the data directory is byte for byte what it was.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.built_once import private_copy
from tests.cli.terminal import in_terminal
from tests.hostile_data import SPANLEDGER


@pytest.fixture(scope="module")
def data_dir(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return private_copy(hostile, tmp_path_factory.mktemp("sql-shell") / "data")


def _shell(data_dir: Path, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SPANLEDGER, "--data-dir", str(data_dir), "sql"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_piped_statements_print_rows_and_list_tables(data_dir: Path) -> None:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        months = con.execute("select count(*) from finops.fct_chargeback_monthly").fetchone()[0]
    assert months > 0
    shell = _shell(
        data_dir,
        "select 41 + 1 as answer;\n"
        ".tables finops\n"
        "\\d finops.fct_chargeback_monthly\n"
        "select count(*) as months\n  from finops.fct_chargeback_monthly",  # the last one needs no ';'
    )
    assert shell.returncode == 0, shell.stderr
    lines = shell.stdout.splitlines()
    assert lines[:2] == ["answer", "42"]  # not a terminal: plain CSV-like text
    assert "finops,fct_chargeback_monthly,base table" in lines
    assert not any(line.startswith("reliability,") for line in lines), ".tables finops lists finops only"
    assert any(line.startswith("finops.fct_chargeback_monthly,tenant_id,") for line in lines)
    assert lines[-2:] == ["months", str(months)]


def test_writes_are_refused_and_change_nothing(data_dir: Path, tmp_path: Path) -> None:
    before = _fingerprint(data_dir)
    copied, attached = tmp_path / "out.csv", tmp_path / "other.duckdb"
    writes = [
        "create table finops.mine as select 1 as x;",
        "insert into finops.fct_chargeback_monthly select * from finops.fct_chargeback_monthly;",
        f"attach '{attached}' as other;",
        f"copy (select 1 as x) to '{copied}';",
    ]
    shell = _shell(data_dir, "\n".join(writes) + "\nselect 'still here' as after;\n")
    assert shell.returncode == 1, "a refused statement makes piped input fail"
    refusals = [line for line in shell.stderr.splitlines() if "query refused" in line]
    assert [r.split(" (")[0] for r in refusals] == [
        "error: query refused: this is CREATE",
        "error: query refused: this is INSERT",
        "error: query refused: this is ATTACH",
        "error: query refused: this is COPY",
    ], shell.stderr
    assert all("runs only SELECT, EXPLAIN, PRAGMA statements" in r for r in refusals)
    assert shell.stdout.splitlines() == ["after", "still here"]  # the shell went on after each refusal
    assert not copied.exists() and not attached.exists()
    assert _fingerprint(data_dir) == before


def test_unknown_table_and_command_are_errors(data_dir: Path) -> None:
    shell = _shell(data_dir, "\\d finops.no_such_mart\n.drop everything\n")
    assert shell.returncode == 1
    assert "no table or view 'finops.no_such_mart'; .tables lists them" in shell.stderr
    assert "unknown command '.drop'; .help lists the commands" in shell.stderr


def test_in_a_terminal_it_prompts_and_draws_a_table(data_dir: Path) -> None:
    code, screen = in_terminal(
        "--data-dir", str(data_dir), "sql", columns=100, stdin="select 'it works' as greeting;\n.quit\n"
    )
    assert code == 0, screen
    assert "spanledger> " in screen
    lines = [line.strip() for line in screen.splitlines()]
    header = lines.index("greeting")
    assert set(lines[header + 1]) == {"━"} and lines[header + 2] == "it works", screen  # a table, not CSV
