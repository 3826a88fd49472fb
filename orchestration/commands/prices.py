"""`spanledger prices refresh`: new price seeds from genai-prices, their diff per tenant and month, publish.

Like `terraform apply`, it shows what changes and asks; `--yes` publishes without asking and `--dry-run`
only shows. Without a terminal to ask on, one of them is required: the command refuses before any work
rather than publish unseen prices or hang on a prompt.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestration.commands.common import console, out
from orchestration.terminal_tables import print_rows


@click.group()
def prices() -> None:
    """The model price table (dbt seeds) used when providers do not report cost."""


@prices.command("refresh")
@click.option("--yes", "-y", is_flag=True, help="Publish without asking (for scripts and CI).")
@click.option("--dry-run", is_flag=True, help="Show what the new prices change; publish nothing.")
@click.option(
    "--seeds-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The live price seeds to compare with and replace [default: dbt_project/seeds].",
)
@click.pass_context
def refresh(ctx, yes: bool, dry_run: bool, seeds_dir: Path | None) -> None:
    """Regenerate the price seeds from the installed genai-prices package, show per tenant and month
    what they change in the open months, and publish them once confirmed.

    \b
      spanledger prices refresh              # shows the diff, asks before publishing
      spanledger prices refresh --dry-run    # the diff only
      spanledger prices refresh --yes        # publish without asking (CI)
    """
    from orchestration.pricing.refresh import DEFAULT_SEED_PATH
    from orchestration.pricing.reprice import planned_refresh, publish
    from orchestration.pricing.reprice_steps import RepriceError

    if yes and dry_run:
        raise click.UsageError("--yes and --dry-run exclude each other")
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not (yes or dry_run or interactive):
        raise click.UsageError(
            "no terminal to confirm on: rerun with --dry-run to see what the new prices change, "
            "or with --yes to publish them"
        )
    settings = ctx.obj["settings"]
    seeds_dir = seeds_dir or DEFAULT_SEED_PATH.parent
    try:
        with planned_refresh(settings, seeds_dir) as plan:
            out.print(plan.summary.render().replace(str(plan.candidate_dir), "(new seeds)"))
            if not plan.changed:
                out.print(f"[green]unchanged:[/] {plan.diff_note}; nothing to publish")
                return
            out.print(f"Changed seeds: {', '.join(plan.changed_files)}")
            if plan.diff_rows:
                names = [
                    "month",
                    "tenant",
                    "old_cost_usd",
                    "new_cost_usd",
                    "change_usd",
                    "old_list_usd",
                    "new_list_usd",
                ]
                rows = [(f"{row[0]:%Y-%m}", *row[1:]) for row in plan.diff_rows]
                print_rows(out, names, rows, title="Open months repriced (BilledCost per tenant)")
            else:
                out.print(f"No diff: {plan.diff_note}")
            if dry_run:
                out.print("[yellow]dry run:[/] nothing published")
                return
            if not yes and not click.confirm(f"Publish the new prices to {seeds_dir}?", default=False):
                out.print("not published")
                return
            for path in publish(plan):
                out.print(f"[green]published[/] {path}")
            out.print("Run `spanledger build` to load them into the warehouse.")
    except RepriceError as err:
        console.print(f"[bold red]error:[/] {err}")
        raise SystemExit(1) from None


COMMANDS = [prices]
