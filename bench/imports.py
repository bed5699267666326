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


def _real_shaped(rows: list[list[Any]]) -> tuple[tuple[str, bytes], ...]:
    """The same pupils as SIMS, Arbor and Bromcom write them: a title row above the header,
    `Reg`, SEN in words, `9 May 2014` dates, preferred names beside legal ones, UTF-16 with
    tabs."""
    words = {"N": "No Special Educational Need", "K": "SEN Support", "E": "EHC Plan"}
    sims = [
        "Student list,printed 01/09/2026",
        "",
        ",".join([*HEADER[:5], "Reg", "Gender", "SEN Status"]),
    ]
    arbor = [
        "First Name,Legal First Name,Legal Last Name,UPN,Date of Birth,Year Group,"
        "Registration Form,SEN Status,Gender"
    ]
    brom = ["Legal Surname\tLegal Forename\tUPN\tDOB\tNC Year\tReg Form\tSEN Provision\tSex"]
    for r in rows:
        year = r[4].split()[-1]
        sims.append(
            ",".join([r[0], r[1], r[2], f"{r[3]:%d/%m/%Y}", f"Yr {year}", r[5], r[6], words[r[7]]])
        )
        arbor.append(
            ",".join(
                [
                    "Pref",
                    r[2],
                    r[1],
                    r[0],
                    f"{r[3].day} {r[3]:%B %Y}",
                    f"Year {year}",
                    r[5],
                    words[r[7]],
                    r[6],
                ]
            )
        )
        brom.append("\t".join([r[1], r[2], r[0], f"{r[3]:%d.%m.%Y}", year, r[5], r[7], r[6]]))
    return (
        ("SIMS-style CSV (title rows, SEN in words)", "\r\n".join(sims).encode("cp1252")),
        ("Arbor-style CSV (legal over preferred names)", "\n".join(arbor).encode("utf-8")),
        ("Bromcom-style UTF-16 tab-separated", "\r\n".join(brom).encode("utf-16")),
    )


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
    formats = (
        ("CSV (Windows-1252)", _csv(rows)),
        (".xlsx", _xlsx(rows)),
        ("CTF", _ctf(rows)),
        *_real_shaped(rows),
    )
    for label, data in formats:

        def ours(data: bytes = data) -> None:
            school = make_school("Import school", lea="801", estab="4001")
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
    exported = Pupil.objects.filter(surname__startswith="O'Surname", school__lea="801").first()
    export(school_with_pupils=exported)
    sync(school_with_pupils=exported)


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


def sync(school_with_pupils: Any) -> None:
    """An MIS sync asking what changed: 2,000 pupils, 50 changed since its last run, one page
    through `?updated_after=` with an API key, against the bare indexed query for the same
    rows. The queries a page costs are counted: they must not grow with the roll."""
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.access import staff_access
    from pupilhub.schools.actions import do_create_api_key
    from pupilhub.testing import make_staff

    school = school_with_pupils.school
    head = make_staff(school, "main_admin")
    _key, raw = do_create_api_key(staff_access(head, school.id), "bench", ["pupils:read"])
    since = timezone.now() - timedelta(seconds=1)
    Pupil.objects.filter(school=school).update(updated_at=since - timedelta(days=1))
    changed = list(Pupil.objects.filter(school=school).values_list("pk", flat=True)[:50])
    Pupil.objects.filter(pk__in=changed).update(updated_at=timezone.now())
    client = Client()
    url = f"/api/v1/schools/{school.id}/pupils"
    query = {"updated_after": since.isoformat()}

    def ours() -> None:
        r = client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert r.status_code == 200 and len(r.json()["items"]) == 50, r.content[:200]

    def floor() -> None:
        rows = Pupil.objects.filter(school=school, updated_at__gt=since).order_by(
            "updated_at", "id"
        )
        assert len(list(rows.values()[:51])) == 50

    with CaptureQueriesContext(connection) as seen:
        ours()
    row = stats.add(
        stats.Row(
            f"updated_after sync, 50 of 2,000 changed, API key ({len(seen)} queries)",
            "s",
            stats.timed(ours),
            "the same rows read by the bare indexed query",
            stats.timed(floor),
        )
    )
    row.ok = len(seen) <= 8
