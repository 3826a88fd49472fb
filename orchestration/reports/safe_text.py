"""Text made safe for the tools people open our outputs with: spreadsheets (CSV) and browsers (HTML).

Values such as tenant ids come from telemetry, which any client can send. Two rules:

- Control characters (C0 but tab, line feed and carriage return; DEL; C1) are removed from CSV cells
  and HTML: a NUL cuts a cell short in some readers, an escape sequence reaches a terminal, and HTML
  forbids them.
- CSV formula injection (OWASP, "CSV Injection"): a cell that starts with `=`, `+`, `-`, `@`, a tab or
  a carriage return is a formula to Excel, LibreOffice and Google Sheets (`=HYPERLINK(…)` sends data
  away). Such a text cell gets a leading single quote, so it is read as text. Numbers are not touched:
  typed numbers are written as they are, and a text that is exactly a negative decimal (`-12.5`) is a
  number, not a formula.

The Parquet export keeps the exact values; the CSV's cells are the values after these two rules (and a
line break inside a cell is written as a line feed, in a quoted cell).
"""

from __future__ import annotations

import html
import re

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEGATIVE_NUMBER = re.compile(r"-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def csv_text(text: str) -> str:
    """A text cell as it may go into a CSV: no control characters, no leading formula."""
    text = strip_control(text)
    if text.startswith(FORMULA_LEADS) and not _NEGATIVE_NUMBER.fullmatch(text):
        text = "'" + text
    # a lone carriage return ends a row for readers, yet the csv module quotes only the characters of
    # its line terminator: a line break inside a cell is written as \n (the writer then quotes it)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def csv_cell(value: object) -> object:
    """For csv.writer: text made safe; numbers, dates and None left to the writer."""
    return csv_text(value) if isinstance(value, str) else value


def escape(value: object) -> str:
    """HTML text: control characters removed, then escaped (quotes included, for attributes)."""
    return html.escape(strip_control(str(value)))
