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
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from pupilhub.core.errors import Invalid, TooLarge

from . import ctf

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_CTF_BYTES = 20 * 1024 * 1024  # a CTF carries attendance and assessments we skip
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip: refuse a zip bomb before reading

# Labels a header may use for each field, with a rank: where two columns name the same
# field, the higher rank wins (an Arbor export has both "First Name", the preferred name,
# and "Legal First Name": the legal name is the one kept).
LEGAL, PLAIN = 2, 1
LABELS: dict[str, tuple[tuple[str, int], ...]] = {
    "pupil_id": (("pupil id", PLAIN), ("upn", LEGAL), ("unique pupil number", LEGAL)),
    "surname": (
        ("surname", PLAIN),
        ("last name", PLAIN),
        ("family name", PLAIN),
        ("legal surname", LEGAL),
        ("legal last name", LEGAL),
    ),
    "first_name": (
        ("first name", PLAIN),
        ("forename", PLAIN),
        ("given name", PLAIN),
        ("legal forename", LEGAL),
        ("legal first name", LEGAL),
    ),
    "date_of_birth": (("date of birth", PLAIN), ("dob", PLAIN), ("birth date", PLAIN)),
    "year_group": (
        ("year group", PLAIN),
        ("year", PLAIN),
        ("nc year", PLAIN),
        ("nc year actual", PLAIN),
        ("national curriculum year", PLAIN),
        ("curriculum year", PLAIN),
    ),
    "tutor_group": (
        ("tutor group", PLAIN),
        ("reg group", PLAIN),
        ("reg", PLAIN),
        ("reg form", PLAIN),
        ("registration group", PLAIN),
        ("registration form", PLAIN),
        ("form", PLAIN),
        ("form group", PLAIN),
        ("class", PLAIN),
    ),
    "sets": (("sets", PLAIN),),
    "status": (("status", PLAIN),),
    "sex": (("sex", PLAIN), ("gender", PLAIN)),
    "sen_status": (("sen status", PLAIN), ("sen provision", PLAIN)),
    "sen_needs": (("sen needs", PLAIN), ("sen need", PLAIN), ("sen type", PLAIN)),
}
BY_LABEL = {label: (field, rank) for field, labels in LABELS.items() for label, rank in labels}
# Columns recognised and deliberately not imported: preferred names never replace legal ones.
PREFERRED = {
    "preferred forename",
    "preferred first name",
    "preferred surname",
    "preferred last name",
    "known as",
    "chosen name",
}
# The header is the first row naming at least this many known columns (title rows above it,
# such as "Student List - printed 01/09/2026", are skipped), looked for in the first rows.
HEADER_MIN = 3
HEADER_SEARCH = 20


@dataclass
class Table:
    """What a file held: the fields its header names, each non-blank row as (spreadsheet row
    number, {field: value}), and how each column was read (for the preview)."""

    fields: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    columns: list[dict[str, Any]] = dataclass_field(default_factory=list)
    header_row: int = 1
    destination: dict[str, str] | None = None  # a CTF's DestSchool
    partial: bool = False  # a CTF without BasicDetails: it updates, never creates


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


def _label(label: Any) -> str:
    return " ".join(str(label or "").replace("_", " ").lower().split())


def field_for(label: Any) -> str | None:
    found = BY_LABEL.get(_label(label))
    return found[0] if found else None


def utf16(raw: bytes) -> bool:
    """UTF-16 text, as some Windows tools save it (with its byte-order mark)."""
    return raw.startswith((b"\xff\xfe", b"\xfe\xff"))


def kind(raw: bytes) -> str:
    """`xlsx`, `ctf` or `csv`, from the bytes (never the file's name)."""
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    if utf16(raw):
        head = raw[:1024].decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n")
        return "ctf" if head.startswith("<") else "csv"
    head_bytes = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head_bytes.startswith(b"<"):  # an XML declaration, comment or <CTfile>; never a CSV
        return "ctf"
    return "csv"


def read(raw: bytes) -> Table:
    """The file as a Table. Columns the header does not name are listed as ignored. A
    CTF's rows are its pupils, numbered by the line each starts on."""
    found = kind(raw)
    if found == "ctf":
        if len(raw) > MAX_CTF_BYTES:
            raise TooLarge("The file is larger than 20 MB; export fewer pupils at a time.")
        parsed = ctf.parse(raw)
        fields = sorted({f for _line, values in parsed.pupils for f in values})
        columns = [{"column": f"CTF: {f}", "field": f} for f in fields]
        return Table(fields, parsed.pupils, columns, 0, parsed.destination, partial=parsed.partial)
    if len(raw) > MAX_IMPORT_BYTES:
        raise TooLarge("The file is larger than 5 MB; split it into smaller files.")
    table = _xlsx(raw) if found == "xlsx" else _csv(raw)
    if not table or not any(any(str(c or "").strip() for c in row) for row in table):
        raise Invalid("The file is empty.", code="invalid_file")
    at = _header_at(table)
    header, columns = _header(table[at])
    fields = [f for f in header if f]
    rows = []
    for number, cells in enumerate(table[at + 1 :], start=at + 2):
        cells = list(cells) + [""] * (len(header) - len(cells))  # a short row: empty cells
        values = {f: ("" if v is None else v) for f, v in zip(header, cells, strict=False) if f}
        if any(str(v).strip() for v in values.values()):  # skip blank lines
            rows.append((number, values))
    return Table(fields, rows, columns, at + 1)


def _header_at(table: list[list[Any]]) -> int:
    """The index of the first row naming HEADER_MIN known columns (the first row if none)."""
    for index, row in enumerate(table[:HEADER_SEARCH]):
        if len({field_for(c) for c in row} - {None}) >= HEADER_MIN:
            return index
    return 0


def _header(cells: list[Any]) -> tuple[list[str | None], list[dict[str, Any]]]:
    """Each column's field (None: ignored), the best-ranked column winning a field, and a
    description of every column for the preview."""
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column index)
    for index, cell in enumerate(cells):
        found = BY_LABEL.get(_label(cell))
        if found and (found[0] not in best or found[1] > best[found[0]][0]):
            best[found[0]] = (found[1], index)
    chosen = {index: field for field, (_rank, index) in best.items()}
    header: list[str | None] = [chosen.get(i) for i in range(len(cells))]
    columns = []
    for index, cell in enumerate(cells):
        name = " ".join(str(cell or "").split())
        if not name:
            continue
        field = chosen.get(index)
        entry: dict[str, Any] = {"column": name, "field": field}
        if field is None:
            label = _label(cell)
            if label in BY_LABEL:
                entry["note"] = f"another column gives {BY_LABEL[label][0]}"
            elif label in PREFERRED:
                entry["note"] = "preferred name: the legal name is kept"
            else:
                entry["note"] = "not a field pupilhub keeps"
        columns.append(entry)
    return header, columns


def _decode(raw: bytes) -> str:
    """UTF-16 with its byte-order mark; UTF-8 (with or without BOM); else Windows-1252,
    what Excel on Windows saves."""
    try:
        text = raw.decode("utf-16") if utf16(raw) else raw.decode("utf-8-sig")
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
    text = _decode(raw)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise Invalid(f"The file is not valid CSV: {exc}.", code="invalid_file") from None


def _delimiter(text: str) -> str:
    """Comma, unless the first lines are plainly tab- or semicolon-separated (Excel's
    "Unicode text" is UTF-16 with tabs; some European locales write semicolons)."""
    head = "\n".join(text.splitlines()[:5])
    counts = {d: head.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


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
