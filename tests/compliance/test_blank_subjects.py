"""An empty or blank id names nobody: `erase` and `content show` refuse it with a clear error (through
the real CLI) before anything is recorded; so does the library call the Dagster job uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.compliance.erasure import ErasureRequest, register
from orchestration.compliance.ledger import Ledger
from orchestration.settings import Settings
from tests.compliance.conftest import spanledger


def _recorded(data_dir: Path) -> list:
    if not (data_dir / "state" / "compliance.sqlite").exists():
        return []
    with Ledger(Settings.from_env(data_dir)) as ledger:
        return ledger.requests()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["erase", "--user", ""], "--user is empty or blank"),
        (["erase", "--user", "user-1@example.com", "--user", " \t", "--queue"], "--user is empty or blank"),
        (["erase", "--user", "user-1@example.com", "--tenant", "  "], "--tenant is empty or blank"),
        (["content", "show", "--user", " ", "--reason", "DSAR"], "--user is empty or blank"),
    ],
    ids=["empty-user", "blank-user-among-others", "blank-tenant", "content-blank-user"],
)
def test_the_cli_refuses_a_blank_subject(tmp_path: Path, args: list[str], message: str) -> None:
    data_dir = tmp_path / "data"
    proc = spanledger(data_dir, *args, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert _recorded(data_dir) == [], "nothing is recorded for a refused request"


def test_a_request_file_line_without_an_id_is_refused(tmp_path: Path) -> None:
    requests = tmp_path / "requests.csv"
    requests.write_text("user_id,tenant_id\nuser-1@example.com,acme\n   ,acme\n")
    proc = spanledger(tmp_path / "data", "erase", "--file", str(requests), check=False)
    assert proc.returncode == 2 and "line 3: empty user_id" in proc.stderr
    assert _recorded(tmp_path / "data") == []


def test_register_refuses_blank_ids_before_recording_any(tmp_path: Path) -> None:
    settings = Settings.from_env(tmp_path / "data")
    with pytest.raises(ValueError, match="empty or blank"):
        register(settings, [ErasureRequest("user-1@example.com"), ErasureRequest("  ")], "dagster")
    with pytest.raises(ValueError, match="tenant id is empty or blank"):
        register(settings, [ErasureRequest("user-1@example.com", tenant_id="")], "dagster")
    assert _recorded(settings.data_dir) == []
