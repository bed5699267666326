"""Files as MIS software and DfE services really write them (issue 32): the samples in
docs/samples (SIMS-, Arbor- and Bromcom-style exports, a partial CTF shaped as the
Multiplication Tables Check service sends one), and the CTF export checked against the
schema kept beside the code."""

from datetime import date
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from pupilhub.pupils import ctf
from pupilhub.pupils.models import Pupil
from pupilhub.schools.choices import N1, N2, NOT_NC
from pupilhub.testing import Api, make_pupil, make_school, make_staff, make_upn

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"
SCHEMA = etree.XMLSchema(etree.parse(str(Path(ctf.__file__).with_name("ctf.xsd"))))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def school(personas):
    personas.school_a.lea, personas.school_a.estab = "801", "4001"
    personas.school_a.save(update_fields=["lea", "estab"])
    return personas.school_a


def upload(personas, data: bytes, name: str = "file", **query) -> dict:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    r = personas.api("admin").post(
        f"/schools/{personas.school_a.id}/pupils/import" + (f"?{qs}" if qs else ""),
        {"file": SimpleUploadedFile(name, data, "application/octet-stream")},
        format="multipart",
    )
    return {"status": r.status_code, **r.json()}


# MIS spreadsheets -----------------------------------------------------------------------------


def test_a_sims_export_with_title_rows_reg_and_sen_in_words_imports_unedited(personas, school):
    body = upload(personas, sample("sims-style.csv"))
    assert body["status"] == 200 and body["errors"] == [] and body["created"] == 3
    assert body["header_row"] == 4  # below two title lines and a blank one
    sean = Pupil.objects.get(school=school, surname="O'Brien")
    assert (sean.first_name, sean.tutor_group, sean.sen_status) == ("Seán", "7X", "K")
    assert sean.date_of_birth == date(2014, 5, 9)
    statuses = dict(Pupil.objects.filter(school=school).values_list("surname", "sen_status"))
    assert statuses["Smith-Jones"] == "E" and statuses["Ng"] == "N"
    read = {c["column"]: c["field"] for c in body["columns"]}
    assert read["Reg"] == "tutor_group" and read["Preferred Forename"] is None
    assert read["Ethnicity"] is None


def test_an_arbor_export_keeps_legal_names_over_preferred_ones(personas, school):
    body = upload(personas, sample("arbor-style.csv"))
    assert body["status"] == 200 and body["errors"] == [], body
    names = set(Pupil.objects.filter(school=school).values_list("first_name", "surname"))
    assert ("Alexander", "Smith") in names and ("Alex", "Smith") not in names
    alex = Pupil.objects.get(school=school, first_name="Alexander")
    assert (alex.date_of_birth, alex.year_group, alex.sen_status) == (date(2014, 5, 9), 7, "E")
    assert alex.tutor_group == "7A"  # "Registration Form"
    bea = Pupil.objects.get(school=school, first_name="Beatrix")
    assert (bea.date_of_birth, bea.year_group) == (date(2013, 5, 9), 0)
    kit = Pupil.objects.get(school=school, first_name="Christopher")
    assert (kit.date_of_birth, kit.year_group) == (date(2019, 5, 9), N1)
    ignored = {c["column"]: c.get("note") for c in body["columns"] if c["field"] is None}
    assert "First Name" in ignored and "another column" in ignored["First Name"]


def test_a_utf16_tab_separated_export_imports(personas, school):
    body = upload(personas, sample("bromcom-style.txt"))
    assert body["status"] == 200 and body["errors"] == [], body
    lan = Pupil.objects.get(school=school, first_name="Lan")
    assert (lan.year_group, lan.date_of_birth, lan.tutor_group) == (NOT_NC, date(2012, 7, 14), "9Z")


@pytest.mark.parametrize(
    ("cell", "year"),
    [("Yr 7", 7), ("Rec", 0), ("N1", N1), ("N2", N2), ("Nursery", N2), ("X", NOT_NC), ("R", 0)],
)
def test_year_forms_are_kept_distinct(personas, school, cell, year):
    csv = f"UPN,Surname,Forename,DOB,Year\n{make_upn(8301)},Ng,Lan,9 May 2014,{cell}\n"
    assert upload(personas, csv.encode())["status"] == 200
    assert Pupil.objects.get(school=school, pupil_id=make_upn(8301)).year_group == year


@pytest.mark.parametrize("cell", ["9 May 2014", "09-May-2014", "2014/05/09", "09.05.2014"])
def test_date_forms(personas, school, cell):
    csv = f"UPN,Surname,Forename,DOB,Year\n{make_upn(8302)},Ng,Lan,{cell},7\n"
    assert upload(personas, csv.encode())["errors"] == []
    assert Pupil.objects.get(pupil_id=make_upn(8302)).date_of_birth == date(2014, 5, 9)


def test_errors_name_the_row_and_the_pupil_and_nothing_is_written(personas, school):
    csv = (
        "Title: Year 9\n"
        "UPN,Surname,Forename,DOB,Year\n"
        f"{make_upn(8303)},Ng,Lan,31/02/2012,9\n"
        f"{make_upn(8304)},Ray,Kit,01/02/2012,9\n"
    )
    body = upload(personas, csv.encode())
    assert body["created"] == 0 and len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["row"] == 3 and error["pupil"] == "Lan Ng"
    assert error["message"].startswith("row 3, Lan Ng: date of birth")
    assert not Pupil.objects.filter(pupil_id__in=[make_upn(8303), make_upn(8304)]).exists()


def test_the_preview_shows_the_columns_before_anything_is_written(personas, school):
    body = upload(personas, sample("sims-style.csv"), dry_run="true")
    assert body["created"] == 3 and not Pupil.objects.filter(surname="Ng").exists()
    assert {"column": "UPN", "field": "pupil_id", "note": ""} in body["columns"]


# CTF import ------------------------------------------------------------------------------------


def test_a_partial_ctf_updates_pupils_it_matches_and_creates_none(personas, school):
    assert upload(personas, sample("sims-style.csv"))["created"] == 3
    sean = Pupil.objects.get(school=school, surname="O'Brien")
    Pupil.objects.filter(pk=sean.pk).update(sex="")
    body = upload(personas, sample("partial-ctf-mtc.xml"))
    assert body["status"] == 200, body
    assert (body["created"], body["updated"], body["skipped"]) == (0, 1, 1)
    sean.refresh_from_db()
    assert (sean.sex, sean.year_group, sean.tutor_group) == ("M", 7, "7X")  # year kept
    assert not Pupil.objects.filter(surname="Unknown").exists()


def test_a_ctf_for_another_school_is_refused_unless_accepted(personas, school):
    school.estab = "4999"
    school.save(update_fields=["estab"])
    assert upload(personas, sample("sims-style.csv"))["created"] == 3
    refused = upload(personas, sample("partial-ctf-mtc.xml"))
    assert refused["status"] == 400 and refused["error"]["code"] == "wrong_destination"
    assert "801" in refused["error"]["message"]
    preview = upload(personas, sample("partial-ctf-mtc.xml"), dry_run="true")
    assert preview["status"] == 400  # the preview says so before anything is written
    accepted = upload(personas, sample("partial-ctf-mtc.xml"), accept_other_destination="true")
    assert accepted["status"] == 200 and (accepted["unchanged"], accepted["skipped"]) == (1, 1)


def test_a_utf16_ctf_imports(personas, school):
    text = (
        sample("ctf-example.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )
    body = upload(personas, text.encode("utf-16"))
    assert body["status"] == 200 and body["created"] == 3, body


# CTF export -----------------------------------------------------------------------------------


def export(api: Api, school, pupils, **query):
    params = {"pupils": ",".join(str(p.id) for p in pupils), **query}
    r = api.get(f"/schools/{school.id}/ctf", params)
    if r.status_code == 200:
        SCHEMA.assertValid(etree.fromstring(r.content))  # every export: DfE's order and rules
    return r


def test_the_version_follows_the_academic_year_turning_on_1_august():
    assert ctf.version(date(2026, 12, 2)) == "26.0"
    assert ctf.version(date(2027, 7, 31)) == "26.0"
    assert ctf.version(date(2027, 8, 1)) == "27.0"


def test_an_export_is_valid_and_carries_every_year_code_and_no_invented_date(personas, school):
    pupils = [
        make_pupil(school, pupil_id=make_upn(8400 + i), year_group=y, sex="F")
        for i, y in enumerate((N1, N2, 0, 7, NOT_NC))
    ]
    Pupil.objects.filter(pk=pupils[3].pk).update(sen_status="K", sen_start_date=None)
    r = export(personas.api("admin"), school, pupils)
    assert r.status_code == 200, r.content
    root = fromstring(r.content)
    assert root.findtext("Header/CTFversion") == ctf.version(date.today())
    years = [p.findtext("BasicDetails/NCyearActual") for p in root.iter("Pupil")]
    assert sorted(years) == sorted(["N1", "N2", "R", "7", "X"])
    sen = root.find(f"CTFpupilData/Pupil[UPN='{make_upn(8403)}']/SENhistory/SEN")
    assert sen is not None and sen.find("StartDate") is None
    assert sen.findtext("SENprovision") == "K"


def test_a_pupil_without_sex_is_named_and_nothing_is_exported(personas, school):
    named = make_pupil(school, first_name="Nosex", pupil_id=make_upn(8410), sex="")
    r = export(personas.api("admin"), school, [named])
    assert r.status_code == 400 and r.json()["error"]["code"] == "missing_sex"
    assert "Nosex" in r.json()["error"]["fields"]["pupils"][0]


def test_the_serial_grows_per_destination_and_day(personas, school):
    pupil = make_pupil(school, pupil_id=make_upn(8420), sex="M")
    api = personas.api("admin")
    names = [
        export(api, school, [pupil], dest_lea="936", dest_estab="4123")["Content-Disposition"],
        export(api, school, [pupil], dest_lea="936", dest_estab="4123")["Content-Disposition"],
        export(api, school, [pupil], dest_lea="937", dest_estab="4123")["Content-Disposition"],
    ]
    assert names == [
        'attachment; filename="8014001_CTF_9364123_001.xml"',
        'attachment; filename="8014001_CTF_9364123_002.xml"',
        'attachment; filename="8014001_CTF_9374123_001.xml"',
    ]


def test_a_school_without_la_and_establishment_numbers_cannot_export(personas):
    other = make_school("No numbers")
    admin = make_staff(other, "admin")
    pupil = make_pupil(other, sex="F")
    r = export(Api(admin), other, [pupil])
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_school_numbers"


def test_the_import_page_shows_the_columns_and_takes_another_destination_when_ticked(
    personas, school
):
    from django.urls import reverse

    page = reverse("pupils:import", args=[school.id])
    web = personas.web("admin")
    shown = web.post(
        page,
        {"file": SimpleUploadedFile("s.csv", sample("sims-style.csv")), "preview": "1"},
    )
    text = shown.content.decode()
    assert shown.status_code == 200 and "How the file was read" in text
    assert "Ethnicity" in text and "ignored" in text
    web.post(page, {"file": SimpleUploadedFile("s.csv", sample("sims-style.csv"))})
    school.estab = "4999"
    school.save(update_fields=["estab"])
    refused = web.post(page, {"file": SimpleUploadedFile("p.xml", sample("partial-ctf-mtc.xml"))})
    assert refused.status_code == 400 and "import it anyway" in refused.content.decode()
    taken = web.post(
        page,
        {
            "file": SimpleUploadedFile("p.xml", sample("partial-ctf-mtc.xml")),
            "accept_other_destination": "on",
        },
    )
    assert taken.status_code == 200 and "1 pupil in this partial CTF" in taken.content.decode()
