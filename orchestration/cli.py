"""`spanledger`: generate demo telemetry, land OTLP files, build the warehouse, look at the results.

Every command takes --data-dir (or SPANLEDGER_DATA_DIR, default ./data): the lake, the warehouse,
the manifest and the Dagster instance all live there, so pipelines can sit side by side.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from orchestration.commands.common import CliError, console, out
from orchestration.settings import Settings

__all__ = ["CliError", "console", "main", "out", "run_cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SPANLEDGER_DATA_DIR",
    default="data",
    show_default=True,
    help="Holds lake/, warehouse.duckdb, state/ and dagster/.",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
    """Spanledger: OTLP exports of LLM apps → Parquet lake → dbt warehouse for FinOps, SRE and evals.

    \b
    The workflow:
      spanledger demo                    # try it: generate telemetry, land it, build (a demo lake)
      spanledger run --input /var/otel/export   # your telemetry: land it, build the warehouse
      spanledger land /var/otel/export   # land a drop folder (new files only, exactly once)
      spanledger build                   # dbt build of staging → intermediate → marts
      spanledger status                  # manifest and quarantine summary
      spanledger query sql/daily_cost_by_feature.sql
      spanledger sql                     # an interactive, read-only SQL shell on the warehouse
      spanledger report chargeback --month 2025-02   # finance: FOCUS CSV + Parquet + HTML report
      spanledger docs                    # the warehouse docs (every model and column) in a browser
      spanledger check                   # data quality: GX suites, dbt tests, lake file scan
      spanledger retention apply --dry-run   # what retention would remove, per data class
      spanledger erase --user ID         # GDPR erasure across lake and warehouse, with a ledger
      spanledger prices refresh          # regenerate the model price seed from genai-prices
      spanledger ui                      # the same pipeline, scheduled, in the Dagster UI
    """
    os.environ["SPANLEDGER_DATA_DIR"] = str(data_dir.expanduser().resolve())
    ctx.obj = {"settings": Settings.from_env(data_dir)}


COMMAND_MODULES = (
    "landing",
    "pipeline",
    "status",
    "demo",
    "query",
    "sql_shell",
    "lake",
    "compliance",
    "quality",
    "reports",
    "ui",
    "bigquery",
    "skills",
    "prices",
)


def _register_area_commands() -> None:
    import importlib

    for area in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"orchestration.commands.{area}")
        except ModuleNotFoundError as err:
            if err.name == f"orchestration.commands.{area}":
                continue  # that area has no commands yet
            raise
        for command in module.COMMANDS:
            main.add_command(command)


_register_area_commands()


def run_cli() -> None:
    """Console entry point: unexpected failures become one line too (SPANLEDGER_DEBUG=1 shows more)."""
    try:
        main(standalone_mode=True)
    except Exception as err:  # the last line of defence for a clean CLI
        if os.environ.get("SPANLEDGER_DEBUG"):
            raise
        console.print(f"[bold red]error:[/] {type(err).__name__}: {err} (set SPANLEDGER_DEBUG=1 for details)")
        raise SystemExit(1) from None


if __name__ == "__main__":
    run_cli()
