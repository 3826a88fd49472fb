"""The quality report: every suite, the lake scan and dbt's tests, as one self-contained HTML page.

`spanledger check` writes `<data>/reports/quality/index.html` (latest) and a timestamped copy next
to it, plus `results.json` for machines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.quality.lake_scan import LakeProblem
from orchestration.quality.runner import SuiteResult
from orchestration.reports.safe_text import escape
from orchestration.settings import Settings


@dataclass
class DbtTestSummary:
    ran: bool
    success: bool
    summary: str
    failures: list[str] = field(default_factory=list)
    log_path: str | None = None


@dataclass
class QualityReport:
    started_at: datetime
    suites: list[SuiteResult] = field(default_factory=list)
    lake_problems: list[LakeProblem] = field(default_factory=list)
    lake_files_scanned: int = 0
    dbt: DbtTestSummary | None = None

    @property
    def success(self) -> bool:
        """No blocking failure anywhere (warnings do not fail the report)."""
        return (
            not any(s.blocks for s in self.suites)
            and not self.lake_problems
            and (self.dbt is None or not self.dbt.ran or self.dbt.success)
        )

    def counts(self) -> dict[str, int]:
        statuses = [s.status for s in self.suites]
        return {
            "suites": len(statuses),
            "pass": statuses.count("pass"),
            "warn": statuses.count("warn"),
            "error": statuses.count("error"),
            "expectations": sum(len(s.outcomes) for s in self.suites),
            "expectations_failed": sum(len(s.failed) for s in self.suites),
        }

    def shares(self) -> list[dict[str, Any]]:
        """Each thresholded count over all its suites' runs (every lake day): rows, share, threshold."""
        totals: dict[tuple[str, str], dict[str, Any]] = {}
        for suite in self.suites:
            for o in suite.outcomes:
                if o.counted is None or o.unexpected_count is None:
                    continue
                total = totals.setdefault(
                    (suite.suite, o.counted),
                    {"counted": o.counted, "suite": suite.suite, "count": 0, "of": 0, "warn_at": 0.0},
                )
                total["count"] += o.unexpected_count
                total["of"] += o.checked_count or 0
                total["warn_at"] = o.warn_at_percent
        for total in totals.values():
            total["percent"] = 100 * total["count"] / total["of"] if total["of"] else 0.0
            total["over"] = total["percent"] > total["warn_at"]
        return list(totals.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "success": self.success,
            "counts": self.counts(),
            "thresholded_counts": self.shares(),
            "suites": [s.to_dict() for s in self.suites],
            "lake_files_scanned": self.lake_files_scanned,
            "lake_problems": [p.__dict__ for p in self.lake_problems],
            "dbt_test": None if self.dbt is None else self.dbt.__dict__,
        }


def share_text(share: dict[str, Any]) -> str:
    """`28 unpriced calls (0.4% of 6,420, warn at 5%)`: a thresholded count, under or over its threshold."""
    return (
        f"{share['count']:,} {share['counted']} ({share['percent']:.1f}% of {share['of']:,}, "
        f"warn at {share['warn_at']:g}%)"
    )


def outcomes_markdown(result: SuiteResult) -> str:
    """Expectations and observed values as a Markdown table (Dagster check metadata)."""
    lines = ["| | expectation | column | expected | observed | severity |", "|---|---|---|---|---|---|"]
    for error in result.errors:
        lines.append(f"| ❌ | data unreadable | | | {error.replace('|', '/')} | error |")
    for o in sorted(result.outcomes, key=lambda o: (o.success, o.severity != "error")):
        mark = "✅" if o.success else ("❌" if o.severity == "error" else "⚠️")
        cells = [mark, o.expectation, o.column or "", o.expected[:120], o.observed[:200], o.severity]
        lines.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)


def quality_report_dir(settings: Settings) -> Path:
    return settings.reports_dir / "quality"


_CSS = """
body{font-family:system-ui,-apple-system,sans-serif;margin:2rem;color:#1d2330}
h1{margin-bottom:.2rem} .muted{color:#6b7280} table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
th,td{border-bottom:1px solid #e5e7eb;padding:.3rem .5rem;text-align:left;font-size:.9rem;vertical-align:top}
th{background:#f3f4f6} .pass{color:#047857} .warn{color:#b45309} .error{color:#b91c1c;font-weight:600}
details{margin:.4rem 0} summary{cursor:pointer} code{background:#f3f4f6;padding:0 .2rem}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.6rem;color:white;font-size:.8rem}
.b-pass{background:#059669}.b-warn{background:#d97706}.b-error{background:#dc2626}
"""


def _e(value: object) -> str:
    return escape(value)


def render_html(report: QualityReport, settings: Settings) -> str:
    counts = report.counts()
    status = "pass" if report.success else "error"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Spanledger data quality</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Data quality <span class='badge b-{status}'>{'PASSED' if report.success else 'FAILED'}</span></h1>",
        f"<p class='muted'>{_e(settings.data_dir)} · {report.started_at:%Y-%m-%d %H:%M:%S} UTC · "
        f"{counts['suites']} suites ({counts['pass']} pass, {counts['warn']} warn, {counts['error']} error), "
        f"{counts['expectations']} expectations, {counts['expectations_failed']} unmet</p>",
    ]
    counted = [share_text(s) for s in report.shares() if s["count"]]
    if counted:  # below their thresholds they are no warning, but they are not nothing either
        parts.append(f"<p>counted: {_e('; '.join(counted))}</p>")
    parts.append("<h2>Lake files</h2>")
    if report.lake_problems:
        parts.append("<table><tr><th>path</th><th>problem</th></tr>")
        parts += [
            f"<tr><td><code>{_e(p.path)}</code></td><td class='error'>{_e(p.problem)}</td></tr>"
            for p in report.lake_problems
        ]
        parts.append("</table>")
    parts.append(
        f"<p>{report.lake_files_scanned} Parquet footers read, {len(report.lake_problems)} problem(s).</p>"
    )
    if report.dbt is not None:
        parts.append("<h2>dbt tests</h2>")
        if not report.dbt.ran:
            parts.append(f"<p class='muted'>not run: {_e(report.dbt.summary)}</p>")
        else:
            css = "pass" if report.dbt.success else "error"
            parts.append(f"<p class='{css}'>{_e(report.dbt.summary)}</p>")
            if report.dbt.failures:
                parts.append(
                    "<ul>" + "".join(f"<li><code>{_e(f)}</code></li>" for f in report.dbt.failures) + "</ul>"
                )
    parts.append(
        "<h2>Expectation suites</h2><table><tr><th>status</th><th>suite</th><th>target</th>"
        "<th>rows</th><th>unmet</th></tr>"
    )
    for s in report.suites:
        parts.append(
            f"<tr><td class='{s.status}'>{s.status}</td><td>{_e(s.suite)}</td><td><a href='#{_e(s.target)}'>"
            f"{_e(s.target)}</a></td><td>{s.rows:,}</td><td>{len(s.failed) + len(s.errors)}</td></tr>"
        )
    parts.append("</table>")
    for s in report.suites:
        parts.append(
            f"<details id='{_e(s.target)}' {'open' if s.status != 'pass' else ''}><summary>"
            f"<span class='{s.status}'>{s.status}</span> {_e(s.suite)} · {_e(s.target)}</summary>"
        )
        for note in s.notes:
            parts.append(f"<p class='muted'>{_e(note)}</p>")
        parts.append(
            "<table><tr><th></th><th>expectation</th><th>column</th><th>expected</th><th>observed</th>"
            "<th>severity</th><th>why</th></tr>"
        )
        for error in s.errors:
            parts.append(
                f"<tr><td class='error'>✗</td><td>data unreadable</td><td></td><td></td>"
                f"<td class='error'>{_e(error)}</td><td>error</td><td></td></tr>"
            )
        for o in sorted(s.outcomes, key=lambda o: (o.success, o.severity != "error")):
            css = "pass" if o.success else o.severity
            parts.append(
                f"<tr><td class='{css}'>{'✓' if o.success else '✗'}</td><td>{_e(o.expectation)}</td>"
                f"<td>{_e(o.column or '')}</td><td>{_e(o.expected[:300])}</td><td>{_e(o.observed)}</td>"
                f"<td>{_e(o.severity)}</td><td class='muted'>{_e(o.why)}</td></tr>"
            )
        parts.append("</table></details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: QualityReport, settings: Settings) -> Path:
    """index.html (latest), a timestamped copy and results.json; returns index.html's path."""
    folder = quality_report_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    page = render_html(report, settings)
    stamp = report.started_at.strftime("%Y%m%dT%H%M%SZ")
    (folder / f"quality-{stamp}.html").write_text(page)
    index = folder / "index.html"
    tmp = folder / ".index.html.tmp"
    tmp.write_text(page)
    tmp.replace(index)
    (folder / "results.json").write_text(json.dumps(report.to_dict(), indent=1, default=str))
    return index


def new_report() -> QualityReport:
    return QualityReport(started_at=datetime.now(UTC))
