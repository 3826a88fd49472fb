"""Formatting pieces of the HTML reports (chargeback, skills): money, changes, tables and headline cards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orchestration.reports.safe_text import escape


def usd(value: Any, places: int = 2) -> str:
    if value is None:
        return "–"
    v = Decimal(value)
    return f"-${-v:,.{places}f}" if v < 0 else f"${v:,.{places}f}"


def usd_small(value: Any) -> str:
    """Per-request amounts are fractions of a cent: four decimals."""
    return usd(value, 4)


def change(row: dict[str, Any], comparable: bool) -> str:
    """The mart's like-for-like change of a breakdown row, as a percentage (never from unequal spans)."""
    if not comparable:
        return "–"
    ratio = row["like_for_like_change_ratio"]
    if ratio is None:
        return "new" if row["cost_usd"] > 0 else "–"
    return f"{ratio * 100:+,.1f}%"


def delta(row: dict[str, Any], comparable: bool) -> str:
    diff = row["like_for_like_change_usd"]
    cls = "up" if diff > 0 else "down" if diff < 0 else ""
    sign = "+" if diff > 0 else ""
    return f'<span class="{cls}">{sign}{usd(diff)} ({change(row, comparable)})</span>'


def table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(
        f'<th class="{"num" if i >= numeric_from else ""}">{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"num" if i >= numeric_from else ""}">{c}</td>' for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def card(key: str, value: str, detail: str, ident: str) -> str:
    return (
        f'<div class="card" id="{ident}"><div class="k">{escape(key)}</div><div class="v">{value}</div>'
        f'<div class="d">{detail}</div></div>'
    )
