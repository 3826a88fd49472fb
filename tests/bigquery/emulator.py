"""Start the `bqemulator` BigQuery emulator from its own environment on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV_SCRIPT = REPO / "scripts" / "bq_emulator_env.sh"
PROJECT = "spanledger-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emulator_python(timeout: float = 300) -> Path:
    """Build (first run, from PyPI) or reuse the emulator's environment; its Python."""
    proc = subprocess.run(
        ["bash", str(ENV_SCRIPT)], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bq_emulator_env.sh failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


@dataclass
class Emulator:
    process: subprocess.Popen
    endpoint: str
    gcs_root: Path
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_emulator(python: Path, workdir: Path, startup_timeout: float = 60) -> Emulator:
    rest_port, grpc_port = free_port(), free_port()
    gcs_root = workdir / "gcs"
    gcs_root.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "emulator.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["BQEMU_GCS_LOCAL_ROOT"] = str(gcs_root)  # gs://bucket/x is read from <gcs_root>/bucket/x
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(python),
                "-m",
                "bqemulator",
                "start",
                "--ephemeral",
                "--rest-host",
                "127.0.0.1",
                "--rest-port",
                str(rest_port),
                "--grpc-host",
                "127.0.0.1",
                "--grpc-port",
                str(grpc_port),
                "--project",
                PROJECT,
                "--log-level",
                "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )
    endpoint = f"http://127.0.0.1:{rest_port}"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited ({process.returncode}): {log_path.read_text()[-800:]}")
        try:
            urllib.request.urlopen(f"{endpoint}/bigquery/v2/projects/{PROJECT}/datasets", timeout=1)
            return Emulator(process, endpoint, gcs_root, log_path)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"emulator did not answer within {startup_timeout}s: {log_path.read_text()[-800:]}")
