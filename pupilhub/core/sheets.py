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
    """Cells for openpyxl's write-only `sheet.append`, text forced to the string type."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never "f" (formula), whatever the text starts with
        cells.append(cell)
    return cells
