"""`spanledger erase` and `retention apply` show their steps on a terminal, and only there (issue 23, item 4).

The real entry point in a pseudo-terminal on a copy of the compliance data directory: each step is a
line as it starts, in order, before the report. The same command with stdout and stderr on pipes prints
its report and no step.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.terminal import in_terminal
from tests.compliance.conftest import TODAY, spanledger, subject_of

ERASE_STEPS = [
    "erase: finding the subject's files",
    "erase: rewriting lake, quarantine and restricted files",
    "erase: deleting the subject's rows in the warehouse",
    "erase: compacting the warehouse (deleted rows leave the file)",
    "erase: forgetting the subject in the landing index",
    "erase: recording the request as done in the ledger",
]
RETENTION_STEPS = [
    "retention (dry run): lake/spans: days past retention",
    "retention (dry run): lake/metric_points: days past retention",
    "retention (dry run): quarantine",
    "retention (dry run): restricted content past its expiry",
    "retention (dry run): warehouse rows past retention",
    "retention (dry run): recording the run in the ledger",
]


def _in_order(screen: str, steps: list[str]) -> None:
    at = 0
    for step in steps:
        found = screen.find(step, at)
        assert found >= 0, f"step {step!r} not shown (after position {at}): {screen[-2000:]}"
        at = found


def test_erase_shows_its_steps_in_a_terminal_and_none_in_a_pipe(data_dir: Path) -> None:
    raw, _ = subject_of(data_dir)
    code, screen = in_terminal("--data-dir", str(data_dir), "erase", "--user", raw, columns=120)
    assert code == 0, screen
    _in_order(screen, ERASE_STEPS)
    assert "done er-" in screen  # the report follows the steps

    piped = spanledger(data_dir, "erase", "--resume")
    assert not any(step.split(": ")[-1] in piped.stdout + piped.stderr for step in ERASE_STEPS)


def test_retention_shows_its_steps_in_a_terminal_and_none_in_a_pipe(data_dir: Path) -> None:
    args = ("retention", "apply", "--dry-run", "--now", TODAY)
    code, screen = in_terminal("--data-dir", str(data_dir), *args, columns=120)
    assert code == 0, screen
    _in_order(screen, RETENTION_STEPS)
    assert "would remove" in screen

    piped = spanledger(data_dir, *args, "--json")
    assert json.loads(piped.stdout)["dry_run"] is True
    assert "days past retention" not in piped.stdout + piped.stderr
