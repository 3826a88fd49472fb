"""`spanledger retention`, `spanledger erase`, `spanledger content`: the data protection officer's commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from orchestration.commands.common import CliError, settings_of
from orchestration.terminal_tables import print_rows

console = Console(stderr=True)
out = Console()


def _fail(message: str) -> click.ClickException:
    return CliError(message)


# --- retention ------------------------------------------------------------------------------


@click.group()
def retention() -> None:
    """Remove data past its retention (lake, quarantine, restricted content, warehouse: DuckDB or BigQuery)."""


@retention.command("apply")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print what would go; change nothing (logged in the ledger, unless the data dir is read-only).",
)
@click.option("--now", "now_value", metavar="YYYY-MM-DD", help="Pretend today is this date (a fake clock).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def retention_apply(ctx, dry_run, now_value, as_json) -> None:
    """Apply the retention policy (defaults, or <data-dir>/retention.toml; see docs/compliance.md).

    With SPANLEDGER_WAREHOUSE=bigquery, BigQuery's partition expiration removes each class's old days
    and this deletes by DML what the policy keeps for less (shorter tenant overrides, tables without
    expiration), logged in the same ledger run.

    \b
    Examples:
      spanledger retention apply --dry-run
      spanledger retention apply --now 2027-01-01 --dry-run    # what would go on that day
    """
    from orchestration.compliance.retention import apply_retention, parse_now
    from orchestration.step_progress import step_progress

    settings = settings_of(ctx)
    try:
        now = parse_now(now_value)
    except ValueError:
        raise _fail(f"--now: not a date: {now_value}") from None
    try:
        with step_progress(console, "retention" + (" (dry run)" if dry_run else "")) as say:
            report = apply_retention(settings, now=now, dry_run=dry_run, progress=say)
    except ValueError as err:
        raise _fail(str(err)) from None
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "run_id": report.run_id,
                    "as_of": report.as_of.isoformat(),
                    "dry_run": dry_run,
                    "removed": report.to_list(),
                    "skipped": report.skipped,
                }
            )
        )
        return
    verb = "would remove" if dry_run else "removed"
    if report.removals:
        print_rows(
            out,
            ("what", "how", "rows", "files", "why"),
            [(r.target, r.kind, f"{r.rows:,}", str(r.files or ""), r.detail) for r in report.removals],
            title=f"Retention as of {report.as_of} ({'dry run' if dry_run else 'applied'})",
        )
    recorded = f"ledger run {report.run_id}" if report.recorded else "not recorded (read-only data directory)"
    out.print(f"{verb} {report.rows:,} rows in {len(report.removals)} places · {recorded}")
    for note in report.skipped:
        console.print(f"[dim]not checked: {note}[/]")


# --- erase ------------------------------------------------------------------------------------


@click.command()
@click.option("--user", "users", multiple=True, metavar="ID", help="A raw user id (repeat for several ids).")
@click.option("--tenant", help="Only this tenant's rows of the subject.")
@click.option(
    "--file",
    "request_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of requests: user_id[,tenant_id][,requested_at].",
)
@click.option("--status", "show_status", is_flag=True, help="List requests, due dates and the overdue ones.")
@click.option("--queue", is_flag=True, help="Record (and suppress) now; erase in the next scheduled run.")
@click.option(
    "--resume",
    is_flag=True,
    help="Run every open request (e.g. after an interrupted run) and remove "
    "erased subjects that reached the warehouse again.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def erase(ctx, users, tenant, request_file, show_status, queue, resume, as_json) -> None:
    """GDPR erasure: remove a person's rows everywhere (lake, quarantine, restricted, warehouse).

    With SPANLEDGER_WAREHOUSE=bigquery the warehouse is BigQuery: the same request deletes there by
    DML and completes when BigQuery's time travel and fail-safe have let the rows go.

    The raw id is hashed with the landing's key and never stored; the ledger keeps the hash, the
    request id, requested / completed times and rows removed per table. Due within 30 days.

    \b
    Examples:
      spanledger erase --user user-1042@example.com
      spanledger erase --user 8c1f... --tenant acme
      spanledger erase --file requests.csv
      spanledger erase --status
    """
    from orchestration.compliance import erasure
    from orchestration.step_progress import step_progress

    settings = settings_of(ctx)
    if show_status:
        _print_status(erasure.status(settings), as_json)
        return
    _require_text("--user", *users)
    if tenant is not None:
        _require_text("--tenant", tenant)
    requests = [erasure.ErasureRequest(u, tenant) for u in users]
    if request_file:
        try:
            requests += erasure.read_request_file(request_file)
        except ValueError as err:
            raise _fail(str(err)) from None
    if not requests and not resume:
        raise _fail("name a subject: --user ID or --file requests.csv (or --status, --resume)")
    source = f"file:{request_file.name}" if request_file else "cli"
    if queue:
        ids = erasure.register(settings, requests, source)
        out.print(f"queued {len(ids)} request(s): {', '.join(ids)} (suppressed at landing from now on)")
        return
    with step_progress(console, "erase") as say:
        checkpoint = _erase_steps(say)
        if requests:
            results = erasure.erase(settings, requests, source, checkpoint)
        else:
            results = erasure.run_pending(settings, checkpoint=checkpoint)
            swept = erasure.sweep_erased(settings)
            if swept:
                console.print(f"[yellow]erased subjects had reached the warehouse again; removed[/] {swept}")
            # BigQuery's part of these and of any earlier request it is still missing
            finished = erasure.erase_in_bigquery(settings, None, results)
            late = sorted(set(finished) - {r.request_id for r in results})
            if late:
                console.print(f"BigQuery's part of earlier requests done: {', '.join(late)}")
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in results]))
        return
    if not results:
        out.print("nothing to do: no open requests")
    for r in results:
        removed = ", ".join(f"{t} {n:,}" for t, n in sorted(r.rows_removed.items())) or "no rows held"
        rows, pointers = _rows_and_pointers(r.rows_removed)
        cleared = f", {pointers:,} other rows' pointers to their traces cleared" if pointers else ""
        out.print(
            f"[green]{r.status}[/] {r.request_id}: {rows:,} rows removed{cleared} "
            f"({r.files_rewritten} files rewritten) · {removed}"
        )
        if settings.warehouse == "bigquery" and r.completed_at:
            out.print(
                f"  completed at {r.completed_at[:16]} UTC: BigQuery's time travel and fail-safe "
                "keep deleted rows until then"
            )


ERASE_STEPS = {  # erasure.py's checkpoints → what the user is waiting for
    "running": "finding the subject's files",
    "discovered": "rewriting lake, quarantine and restricted files",
    "files_done": "deleting the subject's rows in the warehouse",
    "before_compact": "compacting the warehouse (deleted rows leave the file)",
    "warehouse_done": "forgetting the subject in the landing index",
    "marked_done": "recording the request as done in the ledger",
}


def _erase_steps(say):
    """erasure.py's checkpoint: the crash-test hook as before, and each step shown (step_progress)."""
    from orchestration.checkpoints import kill_at_from_env

    kill_at = kill_at_from_env()
    seen = {"file_rewritten": 0, "table_deleted": 0}

    def checkpoint(name: str) -> None:
        kill_at(name)
        if name in seen:
            seen[name] += 1
            what = "files rewritten" if name == "file_rewritten" else "warehouse tables done"
            say(f"{seen[name]:,} {what}", count=True)
        elif name in ERASE_STEPS:
            say(ERASE_STEPS[name])

    return checkpoint


def _rows_and_pointers(removed: dict[str, int]) -> tuple[int, int]:
    from orchestration.compliance.ledger import POINTERS_CLEARED

    pointers = sum(n for t, n in removed.items() if t.endswith(POINTERS_CLEARED))
    return sum(removed.values()) - pointers, pointers


def _require_text(option: str, *values: str) -> None:
    """An empty or blank id names nobody: refused before anything is recorded."""
    if any(not v.strip() for v in values):
        raise _fail(f"{option} is empty or blank: give the id exactly as the apps send it")


def _print_status(rows: list[dict], as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = []
    for r in rows:
        removed, _ = _rows_and_pointers(json.loads(r["rows_removed_json"] or "{}"))
        status = r["status"] + (" (BigQuery pending)" if r.get("bigquery_pending") else "")
        table.append(
            (
                r["request_id"],
                r["tenant_id"] or "(all)",
                r["requested_at"][:10],
                r["due_at"][:10],
                f"OVERDUE {status}" if r["overdue"] else status,
                (r["completed_at"] or "")[:19],
                f"{removed:,}" if r["completed_at"] else "",
            )
        )
    print_rows(
        out,
        ("request", "tenant", "requested", "due", "status", "completed", "rows removed"),
        table,
        title="Erasure requests",
    )
    overdue = [r for r in rows if r["overdue"]]
    open_ = [r for r in rows if r["status"] != "done" or r.get("bigquery_pending")]
    out.print(
        f"{len(rows)} requests, {len(open_)} open, "
        + (f"[bold red]{len(overdue)} overdue[/]" if overdue else "0 overdue")
        + f" (as of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
    )


# --- content ----------------------------------------------------------------------------------


@click.group()
def content() -> None:
    """Restricted prompt/response content (only with SPANLEDGER_STORE_CONTENT): audited reads."""


@content.command("show")
@click.option("--trace-id", help="Content of one trace.")
@click.option("--user", "user_id", help="Content of one person (raw id; hashed before the look-up).")
@click.option("--reason", required=True, help="Why you read it (kept in the access audit).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def content_show(ctx, trace_id, user_id, reason, limit, as_json) -> None:
    """Print restricted content; the read is logged (who, when, what, why, rows) first.

    \b
    Example:
      spanledger content show --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 --reason "ticket 1234"
    """
    from orchestration.compliance.content import read_content

    _require_text("--reason", reason)
    for option, value in (("--trace-id", trace_id), ("--user", user_id)):
        if value is not None:
            _require_text(option, value)
    settings = settings_of(ctx)
    try:
        rows = read_content(settings, trace_id=trace_id, user_id=user_id, reason=reason, limit=limit)
    except ValueError as err:
        raise _fail(str(err)) from None
    if as_json:
        out.print_json(json.dumps(rows, default=str))
        return
    for r in rows:
        out.print(
            f"[bold]{r['trace_id']}/{r['span_id']}[/] {r['attribute_key']} ({r['event_at']}):\n{r['content']}"
        )
    console.print(f"{len(rows)} rows (access logged)")


@content.command("audit")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def content_audit(ctx, as_json) -> None:
    """Every read of restricted content: who, when, what, why, rows returned."""
    from orchestration.compliance.ledger import Ledger

    with Ledger(settings_of(ctx)) as ledger:
        rows = ledger.content_accesses()
    if as_json:
        out.print_json(json.dumps(rows))
        return
    print_rows(
        out,
        ("when", "who", "command", "trace", "reason", "rows"),
        [
            (
                r["accessed_at"],
                r["os_user"] or "",
                r["command"] or "",
                r["trace_id"] or "",
                r["reason"] or "",
                r["rows_returned"],
            )
            for r in rows
        ],
        title="Restricted content reads",
    )


COMMANDS = [retention, erase, content]
