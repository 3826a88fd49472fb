"""`spanledger skills catalog PATH…`: snapshot the installed Claude Code skills into the lake."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from orchestration.commands.common import CliError, out, settings_of


@click.group("skills")
def skills() -> None:
    """Claude Code skills: the catalog of installed skills, joined with activity in the warehouse."""


@skills.command("catalog")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--user-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("~/.claude"),
    show_default=True,
    help="Skills below this folder count as the user's (source=user).",
)
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Snapshot date (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def catalog(ctx, paths, user_dir, on, as_json) -> None:
    """Scan PATHS for `*/SKILL.md` and write today's snapshot to lake/skills_catalog.

    PATHS are repositories (their `.claude/skills/`), user folders (`~/.claude`) and plugin folders
    (`~/.claude/plugins`). A SKILL.md whose front matter cannot be read is quarantined with its line
    and field. Run `spanledger build` afterwards to refresh the skills marts.

    \b
    Examples:
      spanledger skills catalog ~/src/app ~/.claude ~/.claude/plugins
      spanledger skills catalog . --date 2026-03-01
    """
    from orchestration.skills.snapshot import take_snapshot

    try:
        result = take_snapshot(
            settings_of(ctx), list(paths), user_dir.expanduser(), on.date() if on else None
        )
    except FileNotFoundError as err:
        raise CliError(str(err)) from None
    by_source = Counter(s.source for s in result.skills)
    if as_json:
        summary = {
            "date": result.snapshot_date.isoformat(),
            "scan_id": result.scan_id,
            "skills": len(result.skills),
            "by_source": dict(sorted(by_source.items())),
            "context_tokens_estimated": sum(s.context_tokens_estimated for s in result.skills),
            "quarantined": [p.__dict__ for p in result.problems],
        }
        out.print_json(json.dumps(summary))
        return
    table = Table("skill", "source", "owner", "tokens", title=f"skills catalog {result.snapshot_date}")
    for s in sorted(result.skills, key=lambda s: (s.source, s.skill_name)):
        table.add_row(escape(s.skill_name), s.source, escape(s.owner or "-"), str(s.context_tokens_estimated))
    out.print(table)
    tokens = sum(s.context_tokens_estimated for s in result.skills)
    sources = ", ".join(f"{n} {k}" for k, n in sorted(by_source.items())) or "none"
    out.print(
        f"{len(result.skills)} skills ({sources}), ~{tokens:,} tokens of listing in every session; "
        f"{len(result.problems)} quarantined"
    )
    for p in result.problems:
        out.print(f"[red]quarantined[/] {escape(p.path)} line {p.line} field {p.field}: {escape(p.reason)}")


@skills.command("report")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write skills.html to (default: <data-dir>/reports/skills).",
)
@click.pass_context
def report(ctx, out_dir) -> None:
    """Write the skills report (statuses, signals, caveats, context cost, reconciliation) as one HTML page."""
    from orchestration.reports.skills import write_report

    settings = settings_of(ctx)
    if not settings.warehouse_path.exists():
        raise CliError(f"no warehouse at {settings.warehouse_path}: run `spanledger build` first")
    path = write_report(settings.warehouse_path, out_dir or settings.reports_dir / "skills")
    out.print(f"skills report: {path}")


COMMANDS = [skills]
