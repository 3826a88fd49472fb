"""`spanledger ui`: dagster dev (webserver and daemon) on the Dagster instance of the data directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from orchestration.commands.common import console

# `dagster dev` warns that it is superseded by `dg dev` (a project layout Spanledger does not use):
# nothing the user can act on. Their own code's warnings still show.
HIDDEN_WARNING = "ignore:Function `dev_command` is superseded"


@click.command()
@click.option("--port", default=3000, show_default=True, type=int)
@click.pass_context
def ui(ctx, port) -> None:
    """Start `dagster dev` with its instance (runs, schedules, sensors) inside the data directory.

    SIGTERM, SIGINT (Ctrl-C) or SIGHUP stop it with every process it started.

    \b
    Examples:
      spanledger ui                      # http://127.0.0.1:3000: asset graph, jobs, schedules
      spanledger --data-dir /srv/spanledger ui --port 3001
    """
    from orchestration.defs.cli_history import REPO_ROOT, prepare_dagster_home
    from orchestration.process_tree import run_until_stopped

    settings = ctx.obj["settings"]
    home = prepare_dagster_home(settings)
    env = {**os.environ, "DAGSTER_HOME": str(home), "SPANLEDGER_DATA_DIR": str(settings.data_dir)}
    command = [sys.executable, "-W", HIDDEN_WARNING, "-m", "dagster", "dev"]
    command += ["-m", "orchestration.definitions", "-d", str(REPO_ROOT), "-p", str(port)]
    console.print(f"Dagster UI on http://127.0.0.1:{port} (instance in {home}); Ctrl-C stops it")
    # run in the instance's folder: dagster dev warns about any other dagster.yaml in its working directory
    code = run_until_stopped(
        command,
        env=env,
        cwd=Path(home),
        on_stop=lambda why: console.print(f"stopping Dagster ({why}) …", highlight=False),
    )
    raise SystemExit(code)


COMMANDS = [ui]
