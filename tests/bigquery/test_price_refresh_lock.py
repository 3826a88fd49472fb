"""One BigQuery price refresh of a warehouse at a time: the base scratch dataset is the lock.

A real second process holds it (as a refresh does while dbt builds in its scratch datasets): ours is
refused, naming that process, and leaves the holder's tables alone. The holder is then killed with
SIGKILL, leaving its datasets behind: ours takes them over (no such process on this host), drops what the
killed one left and, when done, leaves no scratch dataset. On the emulator (conftest.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.pricing.bigquery_scratch import HOST_LABEL, PID_LABEL, holding_scratch
from orchestration.pricing.reprice_steps import RepriceError

BASE = "lockcheck_price_refresh"
TWINS = [BASE, f"{BASE}_finops"]
REPO = Path(__file__).resolve().parents[2]
HOLDER = f"""
import sys
from orchestration.pricing.bigquery_scratch import holding_scratch
from orchestration.warehouse.bigquery.client import make_client
from orchestration.warehouse.bigquery.config import BigQueryConfig

config = BigQueryConfig(project=sys.argv[1], api_endpoint=sys.argv[2])
client = make_client(config)
with holding_scratch(client, config.project, "US", {BASE!r}, {TWINS!r}):
    client.create_dataset("{{}}.{TWINS[1]}".format(config.project))  # as dbt creates a layer's dataset
    client.query("create table `{{}}.{TWINS[1]}.work` as select 1 as x".format(config.project)).result()
    print("holding", flush=True)
    sys.stdin.readline()  # until the test lets go (or kills it)
"""


def _datasets(bq_client, project: str) -> set[str]:
    return {d.dataset_id for d in bq_client.list_datasets(project) if d.dataset_id.startswith(BASE)}


@pytest.fixture
def holder(bq_config):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, bq_config.project, bq_config.api_endpoint],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=60)


def test_a_second_refresh_is_refused_while_one_holds_the_scratch(holder, bq_client, bq_config) -> None:
    project = bq_config.project
    with pytest.raises(RepriceError) as refused, holding_scratch(bq_client, project, "US", BASE, TWINS):
        pytest.fail("two refreshes held the scratch datasets at once")
    message = " ".join(str(refused.value).split())
    assert f"{project}.{BASE}" in message and f"process {holder.pid}" in message
    host = bq_client.get_dataset(f"{project}.{BASE}").labels[HOST_LABEL]
    assert f"host {host}" in message and "nothing was published" in message
    assert _datasets(bq_client, project) == set(TWINS)  # the holder's work is untouched
    assert next(iter(bq_client.query(f"select x from `{project}.{TWINS[1]}.work`").result()))["x"] == 1

    holder.stdin.write("\n")  # it ends: its datasets go with it
    holder.stdin.flush()
    assert holder.wait(timeout=60) == 0
    assert _datasets(bq_client, project) == set()


def test_a_killed_refresh_is_taken_over_and_its_leftovers_dropped(holder, bq_client, bq_config) -> None:
    project = bq_config.project
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=60)
    assert _datasets(bq_client, project) == set(TWINS)  # a kill leaves them behind

    with holding_scratch(bq_client, project, "US", BASE, TWINS):
        held = bq_client.get_dataset(f"{project}.{BASE}")
        assert held.labels[PID_LABEL] == str(os.getpid())
        assert _datasets(bq_client, project) == {BASE}  # the killed one's twin and its table are dropped
    assert _datasets(bq_client, project) == set()
