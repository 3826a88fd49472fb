"""Commands that only read work on a data directory nobody may write: `status`, `check --lake` and
`retention apply --dry-run` (a copy of a built data directory, `chmod -R a-w`).

Root ignores file modes, so as root the commands run without the capabilities that let it
(`setpriv --bounding-set=-dac_override,…`). Every file's bytes and modification time are compared
before and after, which holds whoever runs the test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.built_once import private_copy
from tests.hostile_data import SPANLEDGER

DROP_ROOT_POWERS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def _as_a_reader() -> list[str]:
    """The command prefix that makes file modes bind: none for a user, setpriv for root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes would not stop a write")
    if subprocess.run([*DROP_ROOT_POWERS, "true"], check=False).returncode != 0:
        pytest.skip("setpriv may not drop capabilities here: file modes would not stop a write")
    return DROP_ROOT_POWERS


def _state(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(root)): ("dir", 0) for p in root.rglob("*") if p.is_dir()}


def _chmod_tree(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        os.chmod(path, (mode | stat.S_IWUSR) if writable else (mode & ~write))


@pytest.fixture
def read_only_dir(hostile: Path, tmp_path: Path):
    data_dir = private_copy(hostile, tmp_path / "data")
    _chmod_tree(data_dir, writable=False)
    yield data_dir
    _chmod_tree(data_dir, writable=True)  # so that pytest can remove it


@pytest.mark.parametrize(
    "args, expected",
    [
        (["status"], "files landed"),
        (["check", "--lake"], "all readable"),
        (["retention", "apply", "--dry-run"], "not recorded (read-only data directory)"),
    ],
    ids=["status", "check-lake", "retention-dry-run"],
)
def test_a_reading_command_works_on_a_read_only_data_dir(read_only_dir, args, expected) -> None:
    runner = _as_a_reader()
    before = _state(read_only_dir)
    proc = subprocess.run(
        [*runner, SPANLEDGER, "--data-dir", str(read_only_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
        cwd=read_only_dir.parent,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert expected in proc.stdout + proc.stderr
    assert _state(read_only_dir) == before
