"""The CSV export: cells a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import pytest

from bot.cli import csv_cell


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+cmd", "'+1+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-12", "-12"),  # days late: a plain number stays a number
    ("Rios", "Rios"), ("", ""), ("T1", "T1"), ("a=b", "a=b"),
])
def test_formula_cells_are_neutralised(value: str, written: str) -> None:
    assert csv_cell(value) == written
