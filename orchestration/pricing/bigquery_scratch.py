"""The scratch datasets of a BigQuery price refresh, held by one refresh at a time.

The base scratch dataset (`<dataset>_price_refresh`) is the lock: creating a dataset that exists fails
(409), so two refreshes of the same warehouse cannot both create it, and the second one would otherwise
drop the first one's tables under it. The holder's host and process id are its labels. A holder that is
gone (this host, no such process) or a dataset older than STALE_AFTER (a holder killed on another
machine) is taken over: its datasets are dropped and created again. The layer twins
(`<dataset>_price_refresh_<layer>`) are dropped once the base is held, and all of them on release.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestration.pricing.reprice_steps import RepriceError

STALE_AFTER = timedelta(hours=24)
HOST_LABEL, PID_LABEL = "spanledger-refresh-host", "spanledger-refresh-pid"


@contextmanager
def holding_scratch(client: Any, project: str, location: str, base: str, twins: list[str]) -> Iterator[None]:
    """Create and hold the base scratch dataset, drop stale `twins`; drop them all on the way out."""
    _acquire(client, project, location, base, twins)
    try:
        yield
    finally:
        _drop_datasets(client, project, [*(t for t in twins if t != base), base])  # the lock last


def _drop_datasets(client: Any, project: str, names: list[str]) -> None:
    for name in names:
        client.delete_dataset(f"{project}.{name}", delete_contents=True, not_found_ok=True)


def _acquire(client: Any, project: str, location: str, base: str, twins: list[str]) -> None:
    from google.api_core.exceptions import Conflict
    from google.cloud import bigquery

    dataset = bigquery.Dataset(f"{project}.{base}")
    dataset.location = location
    dataset.labels = {HOST_LABEL: _label(socket.gethostname()), PID_LABEL: str(os.getpid())}
    dataset.description = "spanledger prices refresh in progress: scratch datasets, dropped when it ends"
    for attempt in range(2):
        try:
            client.create_dataset(dataset)
            break
        except Conflict:
            holder = client.get_dataset(f"{project}.{base}")
            if attempt or not _is_stale(holder):
                raise RepriceError(_busy_message(project, base, holder)) from None
            _drop_datasets(client, project, [base])  # a killed refresh's: taken over
    _drop_datasets(client, project, [t for t in twins if t != base])


def _is_stale(holder: Any) -> bool:
    labels = holder.labels or {}
    if holder.created is not None and datetime.now(UTC) - holder.created > STALE_AFTER:
        return True
    if labels.get(HOST_LABEL) != _label(socket.gethostname()) or not labels.get(PID_LABEL, "").isdigit():
        return False  # held on another machine (or by something else): its process cannot be checked here
    try:
        os.kill(int(labels[PID_LABEL]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def _busy_message(project: str, base: str, holder: Any) -> str:
    labels = holder.labels or {}
    since = f"{holder.created:%Y-%m-%d %H:%M} UTC" if holder.created else "an unknown time"
    return (
        f"another `spanledger prices refresh` holds the scratch dataset {project}.{base} (since {since}, "
        f"host {labels.get(HOST_LABEL, '?')}, process {labels.get(PID_LABEL, '?')}); nothing was published. "
        f"Wait for it to end; if it was killed on another machine, delete that dataset and its "
        f"{base}_* twins, or wait until it is {STALE_AFTER.total_seconds() / 3600:.0f} h old"
    )


def _label(value: str) -> str:
    """A BigQuery label value: lowercase letters, digits, `_` and `-`, at most 63 characters."""
    return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]
