"""Reading the files schools already have: an MIS export (SIMS, Arbor, Bromcom,
ScholarPack) as CSV in UTF-8 or Windows-1252, as .xlsx, or a DfE Common Transfer File
(see `ctf.py`), told apart by content.

Header labels are matched case-insensitively against the API field names and the labels
MIS exports use; each row comes back keyed by field name, values untouched (validation
reads `Year 7`, `DD/MM/YYYY` and the rest).
"""

import csv
import io
import zipfile
from typing import Any

from pupilhub.core.errors import Invalid, TooLarge

from . import ctf

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_CTF_BYTES = 20 * 1024 * 1024  # a CTF carries attendance and assessments we skip
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip: refuse a zip bomb before reading

LABELS = {
    "pupil_id": ("pupil id", "upn", "unique pupil number"),
    "surname": ("surname", "legal surname", "last name"),
    "first_name": ("first name", "forename", "legal forename"),
    "date_of_birth": ("date of birth", "dob"),
    "year_group": ("year group", "year", "nc year", "national curriculum year"),
    "tutor_group": ("tutor group", "reg group", "registration group", "form"),
    "sets": ("sets",),
    "status": ("status",),
    "sex": ("sex", "gender"),
    "sen_status": ("sen status", "sen provision"),
    "sen_needs": ("sen needs", "sen need", "sen type"),
}
BY_LABEL = {label: field for field, labels in LABELS.items() for label in labels}
TEMPLATE_HEADER = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Date of Birth",
    "Year Group",
    "Reg Group",
    "Sex",
    "SEN Status",
    "SEN Needs",
    "Sets",
]
TEMPLATE_EXAMPLE = [
    "A801200012345",
    "O'Brien",
    "Seán",
    "09/05/2014",
    "Year 7",
    "7X",
    "M",
    "K",
    "SPLD; SLCN",
    "7X/Ma1; 7X/En2",
]


def field_for(label: str) -> str | None:
    return BY_LABEL.get(" ".join(str(label or "").replace("_", " ").lower().split()))


def kind(raw: bytes) -> str:
    """`xlsx`, `ctf` or `csv`, from the bytes (never the file's name)."""
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):  # an XML declaration, comment or <CTfile>; never a CSV
        return "ctf"
    return "csv"


def read(raw: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The fields the header names, and each non-blank row as (spreadsheet row number,
    {field: value}). Columns the header does not name are ignored. A CTF's rows are its
    pupils, numbered by the line each starts on."""
    found = kind(raw)
    if found == "ctf":
        if len(raw) > MAX_CTF_BYTES:
            raise TooLarge("The file is larger than 20 MB; export fewer pupils at a time.")
        pupils = ctf.parse(raw)
        return sorted({f for _line, values in pupils for f in values}), pupils
    if len(raw) > MAX_IMPORT_BYTES:
        raise TooLarge("The file is larger than 5 MB; split it into smaller files.")
    table = _xlsx(raw) if found == "xlsx" else _csv(raw)
    if not table:
        raise Invalid("The file is empty.", code="invalid_file")
    header = [field_for(h) for h in table[0]]
    fields = [f for f in header if f]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        cells = list(cells) + [""] * (len(header) - len(cells))  # a short row: empty cells
        values = {f: ("" if v is None else v) for f, v in zip(header, cells, strict=False) if f}
        if any(str(v).strip() for v in values.values()):  # skip blank lines
            rows.append((number, values))
    return fields, rows


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM); else Windows-1252, what Excel on Windows saves."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = "\x00"
    if "\x00" in text:
        raise Invalid(
            "This is not a CSV or Excel file. Export the pupils from your MIS as CSV or .xlsx.",
            code="invalid_file",
        )
    return text


def _csv(raw: bytes) -> list[list[Any]]:
    try:
        return list(csv.reader(io.StringIO(_decode(raw), newline="")))
    except csv.Error as exc:
        raise Invalid(f"The file is not valid CSV: {exc}.", code="invalid_file") from None


def _xlsx(raw: bytes) -> list[list[Any]]:
    """The first sheet's values (dates stay dates; whole numbers lose their `.0`)."""
    from openpyxl import load_workbook

    unreadable = Invalid(
        "The spreadsheet could not be read. Save it as an Excel workbook (.xlsx) or CSV.",
        code="invalid_file",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise unreadable
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [
            [int(v) if isinstance(v, float) and v.is_integer() else v for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
    except Invalid:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise unreadable from None
    return rows
