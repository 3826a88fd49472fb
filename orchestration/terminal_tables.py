"""Tables for the terminal that never cut a value: one renderer for query, the SQL shell, status, check,
erase --status and the other commands that print rows.

- Numbers, money, ids and dates ("atoms": values without spaces) are never cut or elided: their column
  is as wide as the widest of them. Text with spaces wraps inside its column. Column names wrap at
  their underscores.
- When the atoms alone do not fit the terminal's width, each row is printed as `name  value` lines
  (a vertical layout, like psql's \\x), where long values fold onto the next line, whole.
- When stdout is not a terminal (a pipe, a file), rows are plain CSV (cells made safe as in
  orchestration/reports/safe_text.py), for the next program rather than for eyes.
- Values print as what they are: money (decimals) exactly, without an exponent and with at least two
  decimals (`0.00`, not `0E-9`); whole numbers as integers (`9610`, not `9610.0`); dates in ISO form.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from orchestration.reports.safe_text import csv_cell, strip_control

TEXT_MIN_WIDTH = 12  # a wrapping text column is never narrower (unless its longest value is)
_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+(e[-+]?\d+)?%?$", re.IGNORECASE)


def cell_text(value: Any) -> str:
    """A value as the terminal shows it (no markup, no control characters)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple | dict):
        return strip_control(json.dumps(value, default=cell_text, ensure_ascii=False))
    return strip_control(str(value))


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return format(Decimal(repr(value)), "f")  # shortest round-trip digits, never an exponent


def money_text(value: Decimal) -> str:
    """Exact, positional; a decimal with a scale keeps at least two decimals; integral scale stays whole."""
    if not value.is_finite():
        return str(value)
    exponent = value.as_tuple().exponent
    text = format(value, "f")
    if not isinstance(exponent, int) or exponent >= 0:
        return text
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def is_atom(value: Any, text: str) -> bool:
    """A value shown whole on one line: a number, money, a date or time, or a text without spaces (an
    id, an enum)."""
    if isinstance(value, int | float | Decimal | date | time | timedelta):
        return True
    return not any(ch.isspace() for ch in text)


def _header(name: str, width: int) -> str:
    """The column name wrapped at underscores into lines of at most `width` (a piece may be longer)."""
    lines: list[str] = []
    for piece in re.split(r"(?<=_)", name):
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return "\n".join(lines)


def _name_width(name: str) -> int:
    return max(len(piece) for piece in re.split(r"(?<=_)", name)) if name else 0


def _plan_widths(
    names: Sequence[str], cells: list[list[str]], atoms: list[bool], width: int
) -> list[int] | None:
    """Column widths for a horizontal table within `width`, or None when the atoms do not fit."""
    overhead = 3 * len(names) - 1  # a space either side of each cell, a rule between columns
    needs, floors, whole_names = [], [], []
    for i, name in enumerate(names):
        longest = max((len(line) for row in cells for line in row[i].splitlines() or [""]), default=0)
        need = max(longest, _name_width(name), 1)
        needs.append(need)
        whole_names.append(max(need, len(name)))
        floors.append(need if atoms[i] else min(need, max(TEXT_MIN_WIDTH, _name_width(name))))
    room = width - overhead
    if sum(floors) > room:
        return None
    if sum(whole_names) <= room:
        return whole_names  # room for every name on one line
    if sum(needs) <= room:
        return needs
    spare = room - sum(floors)
    wants = [need - floor for need, floor in zip(needs, floors, strict=True)]
    total_want = sum(wants)
    widths = [floor + (spare * want) // total_want for floor, want in zip(floors, wants, strict=True)]
    return widths


def _numeric(column: list[str]) -> bool:
    values = [v for v in column if v]
    return bool(values) and all(_NUMBER.match(v) for v in values)


def print_rows(
    console: Console,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    plain: bool | None = None,
) -> None:
    """Print `rows` under `names` on `console`: a table, a vertical layout or (not a terminal) CSV."""
    names = [strip_control(str(n)) for n in names]
    cells = [[cell_text(v) for v in row] for row in rows]
    if plain if plain is not None else not console.is_terminal:
        _print_csv(console, names, rows, title)
        return
    atoms = [
        all(is_atom(row[i], text[i]) for row, text in zip(rows, cells, strict=True))
        for i in range(len(names))
    ]
    widths = _plan_widths(names, cells, atoms, console.width)
    if widths is None:
        _print_vertical(console, names, cells, title)
        return
    table = Table(title=title, show_edge=False)
    for i, (name, width) in enumerate(zip(names, widths, strict=True)):
        column = [row[i] for row in cells]
        table.add_column(
            Text(_header(name, width)),
            width=width,
            justify="right" if _numeric(column) else "left",
            overflow="fold",
            no_wrap=atoms[i],
        )
    for row in cells:
        table.add_row(*(Text(v) for v in row))
    console.print(table)


def _print_vertical(console: Console, names: list[str], cells: list[list[str]], title: str | None) -> None:
    if title:
        console.print(Text(title, style="italic"))
    label_width = max(len(n) for n in names)
    for number, row in enumerate(cells, start=1):
        console.print(Rule(f"row {number}", align="left", style="dim"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(width=label_width, no_wrap=True, style="bold")
        grid.add_column(overflow="fold")
        for name, value in zip(names, row, strict=True):
            grid.add_row(Text(name), Text(value))
        console.print(grid)


def _print_csv(console: Console, names: list[str], rows: Sequence[Sequence[Any]], title: str | None) -> None:
    if title:
        console.file.write(f"# {strip_control(title)}\n")
    write_csv(console.file, names, rows)


def write_csv(file: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """CSV whose cells follow safe_text.py; numbers as the table shows them (exact, no exponent)."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow([csv_cell(str(n)) for n in names])
    writer.writerows([csv_cell(_csv_value(v)) for v in row] for row in rows)
    file.flush()


def _csv_value(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int) else cell_text(value)
