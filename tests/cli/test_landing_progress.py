"""`spanledger land` of a backlog shows bytes and files done on a terminal (issue 23, item 4).

The real entry point in a pseudo-terminal lands a generated backlog of many small files: the progress
line counts files as they are published, out of the backlog's file count."""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.generator import GeneratorConfig, generate
from tests.cli.terminal import in_terminal, plain

FILES_DONE = re.compile(r"(\d+) of (\d+) files")


def test_landing_a_backlog_counts_files_done_in_a_terminal(tmp_path: Path) -> None:
    inbox = tmp_path / "export"
    config = GeneratorConfig(inbox, days=2, requests_per_day=150, traces_per_file=10, include_engines=False)
    files = len(generate(config).files)
    assert files >= 30
    code, screen = in_terminal(
        "--data-dir", str(tmp_path / "data"), "land", str(inbox), "--settle-seconds", "0", columns=160
    )
    assert code == 0, screen
    counts = [(int(done), int(total)) for done, total in FILES_DONE.findall(plain(screen))]
    assert counts, screen[-2000:]
    assert {total for _, total in counts} == {files}
    assert all(0 < done <= files for done, _ in counts)
    assert f"{files} files landed" in plain(screen)  # the report follows
