"""Spreadsheets and CSV files the project writes: every text cell is written as text.

A value a user typed (a pupil's name, a provision, a report heading) must never become a
live formula in Excel or LibreOffice, where `=HYPERLINK(...)` beside a licence key could send
it away. In `.xlsx` text cells are typed as strings; in CSV (which has no types) text that a
spreadsheet would read as a formula gets a leading apostrophe, as OWASP advises.
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would evaluate is quoted with a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose every text cell goes through `csv_cell`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Values for openpyxl's write-only `sheet.append`, never a formula.

    openpyxl stores a string as a formula only when it starts with "="; those (and only
    those) are passed as cells typed as strings. Every other string is stored as a string
    cell already, which Excel never evaluates on opening. Plain values are cheaper to write.
    """
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, not a formula
            out.append(cell)
        else:
            out.append(value)
    return out
