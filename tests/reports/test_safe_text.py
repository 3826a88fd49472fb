"""The CSV and HTML rules of orchestration/reports/safe_text.py, cell by cell."""

from __future__ import annotations

import pytest

from orchestration.reports.safe_text import csv_cell, csv_text, escape


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\n=1"),
        ("\x00=cmd", "'=cmd"),  # a NUL in front does not hide the formula
        ("-12.5", "-12.5"),  # a negative number is a number
        ("-3", "-3"),
        ("-1e-3", "-1e-3"),
        ("-", "'-"),
        ("acme", "acme"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("line\r\nbreak\rhere", "line\nbreak\nhere"),
        ("bell\x07esc\x1b[31mdel\x7f", "bellesc[31mdel"),
        ("", ""),
    ],
)
def test_csv_text(value: str, written: str) -> None:
    assert csv_text(value) == written


def test_numbers_and_none_are_left_to_the_writer() -> None:
    assert csv_cell(-1.5) == -1.5 and csv_cell(-7) == -7 and csv_cell(None) is None


def test_html_escape_removes_control_characters() -> None:
    assert escape('<b a="1">\x00x\x1b</b>\t\n') == "&lt;b a=&quot;1&quot;&gt;x&lt;/b&gt;\t\n"
