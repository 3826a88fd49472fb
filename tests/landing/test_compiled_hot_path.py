"""The Cython build of landing's hot path (setup.py, orchestration/native/hot_path.py) against its source.

Both builds land the same inputs (generated data in several formats, the public samples and the
invalid ones) in real subprocesses; every lake table, the restricted content and the quarantine must
hold the same rows. The guard that ignores a compiled module whose source changed is tested on a
copy of the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import GeneratorConfig, generate
from orchestration.native import decoder as native
from orchestration.native import hot_path
from orchestration.native.modules import CYTHON_MODULES
from tests.landing.conftest import copy_samples
from tests.landing.native_both_ways import land

TABLES = ("spans", "span_events", "span_links", "logs", "metric_points")
HAS_COMPILED = any(s == "compiled" for s in hot_path.status().values())
needs_compiled = pytest.mark.skipif(not HAS_COMPILED, reason="the hot path is not compiled in this install")


def test_ci_runs_the_compiled_build():
    """CI installs with a C compiler: a failed or skipped compile would quietly make landing slower."""
    if not os.environ.get("CI"):
        pytest.skip("only CI must have the compiled build; locally `uv sync` builds it")
    assert hot_path.summary() == "compiled (Cython)", hot_path.status()
    assert native.status() == "compiled"  # the native trace decoder (C++), built by the same install


def _land(inbox: Path, data_dir: Path, pure: bool) -> None:
    env = {key: value for key, value in os.environ.items() if key != "SPANLEDGER_PURE_PYTHON"}
    if pure:
        env["SPANLEDGER_PURE_PYTHON"] = "1"
    check = "from orchestration.native import hot_path; print(hot_path.summary())"
    summary = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True
    )
    assert summary.stdout.startswith("pure Python" if pure else "compiled"), summary.stdout
    result = land(inbox, data_dir, SPANLEDGER_STORE_CONTENT="1", SPANLEDGER_PURE_PYTHON="1" if pure else "")
    # a landing on the slow path says so
    assert ("landing ran its hot path as pure Python" in result.stderr) == pure, result.stderr[-2000:]


def _differences(a: Path, b: Path, pattern: str, exclude: str = "") -> tuple[int, int]:
    """(rows in a, rows in one side only) for the Parquet files under `pattern` of both data dirs."""
    select = f"select * {exclude} from read_parquet('{{}}', hive_partitioning=true, union_by_name=true)"
    left, right = select.format(a / pattern), select.format(b / pattern)
    with duckdb.connect() as con:
        [(rows,)] = con.execute(f"select count(*) from ({left})").fetchall()
        [(only,)] = con.execute(
            f"select count(*) from (({left} except all {right}) union all ({right} except all {left}))"
        ).fetchall()
    return rows, only


@needs_compiled
def test_compiled_and_source_builds_land_identical_rows(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    generate(
        GeneratorConfig(
            out_dir=inbox / "generated",
            days=2,
            start_date=date(2026, 3, 1),
            tenants=3,
            requests_per_day=150,
            seed=5,
            formats=("jsonl", "proto-framed-zstd"),
        )
    )
    (inbox / "samples").mkdir()
    copy_samples(inbox / "samples")
    (inbox / "invalid").mkdir()
    copy_samples(inbox / "invalid", invalid=True)
    _land(inbox, tmp_path / "compiled", pure=False)
    _land(inbox, tmp_path / "source", pure=True)

    for table in TABLES:
        rows, only = _differences(tmp_path / "compiled", tmp_path / "source", f"lake/{table}/*/*.parquet")
        assert rows > 0 and only == 0, (table, rows, only)
    rows, only = _differences(tmp_path / "compiled", tmp_path / "source", "restricted/content/*/*.parquet")
    assert rows > 0 and only == 0, ("restricted content", rows, only)
    rows, only = _differences(
        tmp_path / "compiled", tmp_path / "source", "quarantine/*/*.parquet", "exclude (quarantined_at)"
    )
    assert rows > 0 and only == 0, ("quarantine", rows, only)


@needs_compiled
def test_a_compiled_module_whose_source_changed_is_not_used(tmp_path):
    package = Path(hot_path.__file__).parent.parent
    copy = tmp_path / "orchestration"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert list((copy / "lake").glob("normalize.*.so")), "the copy has no compiled normalize"
    with open(copy / "lake" / "normalize.py", "a") as fh:
        fh.write("\nEDITED_AFTER_THE_BUILD = True\n")
    probe = (
        "import warnings; warnings.simplefilter('always')\n"
        "from orchestration.native import hot_path\n"
        "import orchestration.lake.normalize as n, orchestration.lake.privacy as p\n"
        "print(n.EDITED_AFTER_THE_BUILD, n.__file__.endswith('.py'), p.__file__.endswith('.so'))\n"
        "print(hot_path.status()['orchestration.lake.normalize'])"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("SPANLEDGER_PURE_PYTHON", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first == "True True True"  # the edit runs; the untouched modules stay compiled
    assert second.startswith("source (")
    assert "compiled copy is stale" in result.stderr


def test_the_build_compiles_and_rebuilds_exactly_what_modules_py_lists():
    """setup.py reads the module list from orchestration/native/modules.py (it cannot import the package:
    the build runs without its dependencies) and names no module itself; pyproject.toml's cache-keys,
    which TOML cannot derive, name exactly the sources of that list."""
    import tomllib

    from orchestration.native import modules

    root = Path(hot_path.__file__).parent.parent.parent
    setup_py = (root / "setup.py").read_text()
    assert "native/modules.py" in setup_py
    for name in (*CYTHON_MODULES, modules.DECODER_MODULE):
        assert name not in setup_py, f"setup.py names {name} itself"
    keys = {
        k["file"] for k in tomllib.loads((root / "pyproject.toml").read_text())["tool"]["uv"]["cache-keys"]
    }
    expected = {m.replace(".", "/") + ".py" for m in CYTHON_MODULES} | {
        "pyproject.toml",
        "setup.py",
        "orchestration/native/modules.py",
        f"{modules.DECODER_SOURCES}/*",
    }
    assert keys == expected
