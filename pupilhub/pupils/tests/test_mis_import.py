"""Importing what an MIS exports (issue 16): its column labels and value forms, Windows-1252
or UTF-8 CSV, and .xlsx, told apart by content; a dry run that changes nothing."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pupilhub.core.models import AuditEvent
from pupilhub.pupils.models import Pupil
from pupilhub.testing import Api, make_school, make_staff, make_upn

UPNS = [make_upn(9001), make_upn(9002), make_upn(9003), make_upn(9004)]

# As SIMS writes it from Excel on Windows: Windows-1252, its own labels, DD/MM/YYYY.
SIMS_CSV = (
    "UPN,Legal Surname,Legal Forename,DOB,NC Year,Reg Group,Gender,SEN Status\r\n"
    f"{UPNS[0]},O'Brien,Seán,09/05/2014,Year 7,7X,M,K\r\n"
    f"{UPNS[1]},Smith-Jones,Zoë,01/12/2013,Y8,8Y,F,E\r\n"
    f"{UPNS[2]},Müller,Anaïs,28/02/2019,R,RB,F,N\r\n"
).encode("cp1252")


def _import(personas, data, name="pupils.csv", **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return personas.api("admin").post(
        f"/schools/{personas.school_a.id}/pupils/import" + (f"?{qs}" if qs else ""),
        {"file": SimpleUploadedFile(name, data, "application/octet-stream")},
        format="multipart",
    )


def test_a_windows_1252_mis_export_imports_with_accents_apostrophes_and_hyphens(personas):
    r = _import(personas, SIMS_CSV)
    assert r.status_code == 200, r.content
    assert counts(r.json()) == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    sean = Pupil.objects.get(school=personas.school_a, pupil_id=UPNS[0])
    assert (sean.first_name, sean.surname) == ("Seán", "O'Brien")
    assert sean.date_of_birth == date(2014, 5, 9)
    assert (sean.year_group, sean.tutor_group, sean.sex, sean.sen_status) == (7, "7X", "M", "K")
    zoe = Pupil.objects.get(school=personas.school_a, pupil_id=UPNS[1])
    assert (zoe.surname, zoe.first_name, zoe.year_group, zoe.sen_status) == (
        "Smith-Jones",
        "Zoë",
        8,
        "E",
    )
    assert Pupil.objects.get(pupil_id=UPNS[2], school=personas.school_a).year_group == 0


def test_a_dry_run_changes_nothing_and_says_what_would_happen(personas):
    before = Pupil.objects.count()
    r = _import(personas, SIMS_CSV, dry_run="true")
    assert counts(r.json()) == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert Pupil.objects.count() == before
    assert not AuditEvent.objects.filter(action="pupil.imported").exists()


def test_reimporting_updates_by_upn_and_counts_the_unchanged(personas):
    _import(personas, SIMS_CSV)
    changed = SIMS_CSV.replace(b"Year 7,7X", b"Year 7,7Z")
    r = _import(personas, changed)
    assert counts(r.json()) == {"created": 0, "updated": 1, "unchanged": 2, "errors": []}
    assert Pupil.objects.get(pupil_id=UPNS[0], school=personas.school_a).tutor_group == "7Z"


def test_utf8_with_a_bom_and_the_projects_own_names(personas):
    text = (
        "\ufefffirst_name,surname,date_of_birth,pupil_id,year_group,sex,sen_status\n"
        f"Renée,D'Arcy,2013-04-01,{UPNS[3]},8,F,N\n"
    )
    r = _import(personas, text.encode("utf-8"))
    assert r.json()["created"] == 1
    assert Pupil.objects.get(pupil_id=UPNS[3], school=personas.school_a).first_name == "Renée"


def test_an_xlsx_export_imports_told_apart_by_content_not_name(personas):
    book = Workbook()
    sheet = book.active
    sheet.append(["Forename", "Surname", "Date of Birth", "UPN", "Year Group", "Form", "Sex"])
    sheet.append(["Ana-Maria", "Ó Súilleabháin", date(2014, 9, 1), UPNS[0], "Year 7", "7B", "F"])
    sheet.append(["Tom", "Lee", "03/03/2014", UPNS[1], 7, "7B", "M"])
    out = io.BytesIO()
    book.save(out)
    r = _import(personas, out.getvalue(), name="pupils.csv")  # a wrong name: content decides
    assert r.status_code == 200, r.content
    assert r.json()["created"] == 2, r.json()
    ana = Pupil.objects.get(pupil_id=UPNS[0], school=personas.school_a)
    assert (ana.first_name, ana.surname, ana.date_of_birth) == (
        "Ana-Maria",
        "Ó Súilleabháin",
        date(2014, 9, 1),
    )


def test_scottish_year_labels(db):
    school = make_school("Glenbrae", year_scheme="scotland", year_from=8, year_to=13)
    admin = make_staff(school, "admin")
    data = (
        "Pupil ID,Surname,Forename,DOB,Year,Registration Group\n"
        "SC100,Mackay,Ròs,12/08/2013,S1,1A\n"
        "SC101,Fraser,Iain,01/03/2008,S6,6A\n"
        "SC102,Reid,Ailsa,01/03/2018,P3,3B\n"
    ).encode()
    r = Api(admin).post(
        f"/schools/{school.id}/pupils/import",
        {"file": SimpleUploadedFile("p.csv", data)},
        format="multipart",
    )
    assert r.status_code == 200, r.content
    years = dict(Pupil.objects.filter(school=school).values_list("pupil_id", "year_group"))
    assert years == {"SC100": 8, "SC101": 13, "SC102": 3}


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Year 17", "year"),
        ("31/02/2014", "date"),
        ("Q", "sen"),
    ],
)
def test_bad_values_are_named_by_row_and_nothing_changes(personas, cell, message):
    column = {"year": 4, "date": 3, "sen": 7}[message]
    rows = SIMS_CSV.decode("cp1252").split("\r\n")
    cells = rows[2].split(",")
    cells[column] = cell
    rows[2] = ",".join(cells)
    r = _import(personas, "\r\n".join(rows).encode("cp1252"))
    assert r.status_code == 200
    body = r.json()
    assert body["created"] == 0 and [e["row"] for e in body["errors"]] == [3]
    assert not Pupil.objects.filter(pupil_id__in=UPNS).exists()


def test_a_file_that_is_neither_csv_nor_a_spreadsheet_is_refused(personas):
    r = _import(personas, b"\x00\x01\x02binary junk")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_file"
    assert not Pupil.objects.filter(pupil_id=UPNS[0]).exists()
    r = _import(personas, b"PK\x03\x04 not really a workbook")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_file"
    assert not Pupil.objects.filter(pupil_id=UPNS[0]).exists()


def test_the_template_downloads_for_staff_of_the_school(personas):
    url = f"/schools/{personas.school_a.id}/pupils/import-template.csv"
    r = personas.web("admin").get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    header = r.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("UPN,Legal Surname,Legal Forename,Date of Birth")
    assert personas.web("admin_b").get(url).status_code == 404
    assert personas.web(None).get(url).status_code == 302


def test_an_xlsx_carrying_an_entity_bomb_is_refused(personas):
    """A workbook whose sheet XML declares entities (a billion laughs): openpyxl reads
    through defusedxml, so the file is refused, never expanded."""
    import zipfile

    book = Workbook()
    book.active.append(["UPN", "Surname", "Forename", "DOB", "Year"])
    clean = io.BytesIO()
    book.save(clean)

    def cells(r, values):
        return (
            f'<row r="{r}">'
            + "".join(
                f'<c r="{col}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                for col, v in zip("ABCDE", values, strict=True)
            )
            + "</row>"
        )

    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + cells(1, ["UPN", "Surname", "Forename", "DOB", "Year"])
        + cells(2, [UPNS[0], "&lol2;", "Ann", "01/01/2014", "7"])
        + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(clean) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            dst.writestr(item, data)
    r = _import(personas, out.getvalue(), name="bomb.xlsx")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_file"
    assert not Pupil.objects.filter(pupil_id=UPNS[0]).exists()


def counts(body):
    """The import answer's counts and errors (it also describes the columns it read)."""
    return {k: body[k] for k in ("created", "updated", "unchanged", "errors")}
