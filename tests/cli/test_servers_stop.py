"""`spanledger ui` and `spanledger docs --serve` stop with every process they started (issue 23, item 6).

Each server is the real command line on a free port, started as a shell's background job starts it
(SIGINT ignored, which dagster dev's SIGTERM handling used to inherit). Once it answers HTTP, its whole
process tree is taken with psutil, SIGTERM is sent to `spanledger` alone, and the test asserts that it
exits within a bounded wait and that no process of that tree is left running. Before, `ui` ignored the
signal and `docs --serve` exited leaving `dbt docs serve` serving.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.built_once import private_copy
from tests.hostile_data import SPANLEDGER

psutil = pytest.importorskip("psutil")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals and sessions")

STOP_WAIT = 45  # dagster dev gives its webserver and daemon their own graceful stop first


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # an HTTP answer all the same
    except OSError:
        return False


def _start_in_background(args: list[str], log: Path) -> subprocess.Popen:
    """As `spanledger … &` in a script starts it: SIGINT ignored."""
    with open(log, "wb") as output:
        return subprocess.Popen(
            [SPANLEDGER, *args],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )


def _serve_then_terminate(server: subprocess.Popen, url: str, log: Path, startup: float) -> str:
    """Wait until `url` answers, SIGTERM the server; its output. Fails if any process of its tree lives on."""
    tree: list = []
    try:
        deadline = time.monotonic() + startup
        while not _answers(url):
            assert server.poll() is None, f"the server exited before serving: {log.read_text()}"
            assert time.monotonic() < deadline, f"no answer from {url} in {startup:.0f}s: {log.read_text()}"
            time.sleep(0.5)
        tree += psutil.Process(server.pid).children(recursive=True)
        assert tree, "the server started no process: nothing here would test its tree"
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP_WAIT}s after SIGTERM: {log.read_text()}")
        _gone, alive = psutil.wait_procs(tree, timeout=5)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running after SIGTERM: {[' '.join(p.cmdline())[:120] for p in alive]}"
        assert not _answers(url), f"{url} still answers"
        return log.read_text()
    finally:  # a failed test leaves nothing behind either
        for process in [server, *tree]:
            with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
                process.kill()
        server.wait()


def test_ui_stops_whole_on_sigterm_and_hides_dagsters_own_warnings(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "ui.log"
    server = _start_in_background(["--data-dir", str(tmp_path / "data"), "ui", "--port", str(port)], log)
    output = _serve_then_terminate(server, f"http://127.0.0.1:{port}/server_info", log, startup=240)
    assert server.returncode == 0, output
    assert "stopping Dagster (SIGTERM)" in output
    assert "Serving dagster-webserver" in output  # the output read is the server's
    for noise in ("SupersessionWarning", "dg dev", "Found a dagster instance configuration value"):
        assert noise not in output, f"startup shows a warning that does not concern the user: {noise}"


def test_docs_serve_stops_its_dbt_server_on_sigterm(hostile: Path, tmp_path: Path) -> None:
    data_dir = private_copy(hostile, tmp_path / "data")
    port = _free_port()
    log = tmp_path / "docs.log"
    server = _start_in_background(["--data-dir", str(data_dir), "docs", "--serve", "--port", str(port)], log)
    output = _serve_then_terminate(server, f"http://127.0.0.1:{port}/", log, startup=240)
    assert server.returncode == 0, output
    assert "stopping the docs server (SIGTERM)" in output
