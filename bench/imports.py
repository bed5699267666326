"""Importing an MIS export of 2,000 pupils (CSV in Windows-1252, .xlsx and a DfE Common
Transfer File) into a new school, against a bare bulk_create of the same rows (the floor),
each run into an empty school so every row is a create. Target: under 3 s.

Then exporting 300 of them as a CTF (validated, audited a row a pupil), against the same
pupils read and written as XML with nothing else. Target: under 1 s."""

import io
from datetime import date
from typing import Any

from bench import stats

N = 2_000


def _rows() -> list[list[Any]]:
    from pupilhub.testing import make_upn

    return [
        [
            make_upn(i),
            f"O'Surname-{i:04d}",
            f"Seán{i}",
            date(2012 + i % 5, 1 + i % 12, 1 + i % 28),
            f"Year {7 + i % 5}",
            f"{7 + i % 5}{'ABCD'[i % 4]}",
            "FM"[i % 2],
            "NKE"[i % 3],
        ]
        for i in range(N)
    ]


HEADER = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "DOB",
    "NC Year",
    "Reg Group",
    "Gender",
    "SEN Status",
]


def _csv(rows: list[list[Any]]) -> bytes:
    lines = [",".join(HEADER)]
    for r in rows:
        cells = [str(c) for c in r]
        cells[3] = f"{r[3]:%d/%m/%Y}"
        lines.append(",".join(cells))
    return "\r\n".join(lines).encode("cp1252")


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ctf(rows: list[list[Any]]) -> bytes:
    """As an MIS writes it: header, and each pupil with basic details and SEN history."""
    from xml.sax.saxutils import escape

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header><DocumentName>Common '
        "Transfer File</DocumentName><CTFversion>24.0</CTFversion><SourceSchool><LEA>936"
        "</LEA><Estab>4123</Estab></SourceSchool></Header><CTFpupilData>"
    ]
    for r in rows:
        sen = ""
        if r[7] != "N":
            sen = (
                f"<SENhistory><SEN><StartDate>2022-09-05</StartDate><SENprovision>{r[7]}"
                "</SENprovision></SEN><SENneeds><SENneed><SENtypeRank>1</SENtypeRank><SENtype>"
                "SPLD</SENtype></SENneed></SENneeds></SENhistory>"
            )
        out.append(
            f"<Pupil>\n<UPN>{r[0]}</UPN><Surname>{escape(r[1])}</Surname><Forename>{r[2]}"
            f"</Forename><DOB>{r[3]:%Y-%m-%d}</DOB><Sex>{r[6]}</Sex><BasicDetails><NCyearActual>"
            f"{r[4].split()[-1]}</NCyearActual></BasicDetails>{sen}</Pupil>"
        )
    out.append("</CTFpupilData></CTfile>")
    return "\n".join(out).encode("utf-8")


def run() -> None:
    from pupilhub.pupils import actions
    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.access import staff_access
    from pupilhub.testing import make_school, make_staff

    rows = _rows()

    def floor() -> None:
        school = make_school("Floor school")
        pupils = [
            Pupil(
                school=school,
                pupil_id=r[0],
                surname=r[1],
                first_name=r[2],
                date_of_birth=r[3],
                year_group=7 + i % 5,
                tutor_group=r[5],
            )
            for i, r in enumerate(rows)
        ]
        for p in pupils:
            p.refresh_match_key()
        Pupil.objects.bulk_create(pupils, batch_size=500)

    floor_runs = stats.timed(floor)
    formats = (("CSV (Windows-1252)", _csv(rows)), (".xlsx", _xlsx(rows)), ("CTF", _ctf(rows)))
    for label, data in formats:

        def ours(data: bytes = data) -> None:
            school = make_school("Import school")
            admin = make_staff(school, "admin")
            result = actions.do_import_pupils(staff_access(admin, school.id), data)
            assert result["created"] == N and not result["errors"], result["errors"][:3]

        row = stats.add(
            stats.Row(
                f"pupil import, {N:,} pupils, {label}",
                "s",
                stats.timed(ours),
                "bare bulk_create of the same rows",
                floor_runs,
                target="< 3 s",
            )
        )
        row.ok = max(row.runs) < 3.0
    export(school_with_pupils=Pupil.objects.filter(surname__startswith="O'Surname").first())


def export(school_with_pupils: Any) -> None:
    from xml.etree.ElementTree import Element, SubElement, tostring

    from pupilhub.pupils import actions
    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.access import staff_access
    from pupilhub.testing import make_staff

    school = school_with_pupils.school
    admin = make_staff(school, "admin")
    access = staff_access(admin, school.id)
    ids = [str(i) for i in Pupil.objects.filter(school=school).values_list("id", flat=True)[:300]]

    def floor() -> None:
        root = Element("CTfile")
        for p in Pupil.objects.filter(school=school, pk__in=ids):
            el = SubElement(root, "Pupil")
            for tag, value in (
                ("UPN", p.pupil_id),
                ("Surname", p.surname),
                ("DOB", str(p.date_of_birth)),
            ):
                SubElement(el, tag).text = value
        tostring(root)

    def ours() -> None:
        data, _name = actions.do_export_ctf(access, ids, "936", "4123")
        assert data.count(b"<Pupil>") == 300

    row = stats.add(
        stats.Row(
            "CTF export, 300 pupils (validated, audited)",
            "s",
            stats.timed(ours),
            "the same pupils read and written as XML",
            stats.timed(floor),
            target="< 1 s",
        )
    )
    row.ok = max(row.runs) < 1.0
