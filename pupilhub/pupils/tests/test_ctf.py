"""The DfE Common Transfer File (issue 16): import (hardened XML, unknown elements ignored,
a malformed file named by line), export to a school outside pupilhub, and the round trip."""

from datetime import date
from xml.etree.ElementTree import fromstring

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pupilhub.core.models import AuditEvent
from pupilhub.pupils.models import Pupil
from pupilhub.testing import Api, make_pupil, make_school, make_staff, make_upn

UPNS = [make_upn(7101), make_upn(7102), make_upn(7103)]

# As an MIS writes it (CTF 24), in Windows-1252, with elements pupilhub does not keep.
CTF = f"""<?xml version="1.0" encoding="windows-1252"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>24.0</CTFversion>
    <DateTime>2026-07-20T10:15:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>SIMS</SupplierID>
    <SourceSchool><LEA>801</LEA><Estab>2000</Estab><URN>109000</URN>
      <SchoolName>Meadow Primary</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>801</LEA><Estab>4001</Estab></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>{UPNS[0]}</UPN>
      <UniqueLearnerNumber/>
      <Surname>O'Brien</Surname>
      <Forename>Seán</Forename>
      <DOB>2014-05-09</DOB>
      <Sex>M</Sex>
      <BasicDetails>
        <MiddleNames>Patrick</MiddleNames>
        <NCyearActual>7</NCyearActual>
        <Ethnicity>WIRI</Ethnicity>
      </BasicDetails>
      <Address><BS7><PostCode>BS1 1AA</PostCode></BS7></Address>
      <SENhistory>
        <SEN><StartDate>2019-09-04</StartDate><SENprovision>A</SENprovision></SEN>
        <SEN><StartDate>2022-01-10</StartDate><SENprovision>E</SENprovision></SEN>
        <SENneeds>
          <SENneed><SENtypeRank>2</SENtypeRank><SENtype>SLCN</SENtype></SENneed>
          <SENneed><SENtypeRank>1</SENtypeRank><SENtype>ASD</SENtype></SENneed>
        </SENneeds>
      </SENhistory>
      <Attendance><YearData><Year>2025</Year></YearData></Attendance>
    </Pupil>
    <Pupil>
      <UPN>{UPNS[1]}</UPN>
      <Surname>Smith-Jones</Surname>
      <Forename>Zoë</Forename>
      <DOB>2019-02-28</DOB>
      <Sex>F</Sex>
      <BasicDetails><NCyearActual>R</NCyearActual></BasicDetails>
    </Pupil>
  </CTFpupilData>
</CTfile>
""".encode("cp1252")


@pytest.fixture(autouse=True)
def addressed_to_school_a(personas):
    """The sample CTF is addressed to LA 801, establishment 4001: School A's numbers."""
    personas.school_a.lea, personas.school_a.estab = "801", "4001"
    personas.school_a.save(update_fields=["lea", "estab"])


def _import(api, school, data, name="pupils.xml", **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return api.post(
        f"/schools/{school.id}/pupils/import" + (f"?{qs}" if qs else ""),
        {"file": SimpleUploadedFile(name, data, "application/octet-stream")},
        format="multipart",
    )


def test_a_ctf_imports_names_dob_sex_year_and_sen_history(personas):
    r = _import(personas.api("admin"), personas.school_a, CTF, name="export.csv")
    assert r.status_code == 200, r.content
    assert counts(r.json()) == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    sean = Pupil.objects.get(school=personas.school_a, pupil_id=UPNS[0])
    assert (sean.first_name, sean.surname, sean.date_of_birth) == (
        "Seán",
        "O'Brien",
        date(2014, 5, 9),
    )
    assert (sean.sex, sean.year_group) == ("M", 7)
    # The latest SEN entry wins; needs ranked, primary first.
    assert (sean.sen_status, sean.sen_start_date) == ("E", date(2022, 1, 10))
    assert sean.sen_needs == ["ASD", "SLCN"]
    zoe = Pupil.objects.get(school=personas.school_a, pupil_id=UPNS[1])
    assert (zoe.first_name, zoe.surname, zoe.year_group, zoe.sen_status) == (
        "Zoë",
        "Smith-Jones",
        0,
        "N",
    )


def test_reimporting_a_ctf_updates_by_upn_and_keeps_what_it_does_not_speak_of(personas):
    api = personas.api("admin")
    assert _import(api, personas.school_a, CTF).status_code == 200
    zoe = Pupil.objects.get(school=personas.school_a, pupil_id=UPNS[1])
    zoe.tutor_group = "RB"
    zoe.sen_status, zoe.sen_needs = "K", ["SPLD"]
    zoe.save()
    again = _import(api, personas.school_a, CTF.replace(b"Smith-Jones", b"Smith"))
    assert counts(again.json()) == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    zoe.refresh_from_db()
    # No SENhistory in the file for her: her SEN stays; no tutor group in a CTF either.
    assert (zoe.surname, zoe.tutor_group, zoe.sen_status, zoe.sen_needs) == (
        "Smith",
        "RB",
        "K",
        ["SPLD"],
    )


def test_a_ctf_dry_run_changes_nothing(personas):
    before = Pupil.objects.count()
    r = _import(personas.api("admin"), personas.school_a, CTF, dry_run="true")
    assert r.json()["created"] == 2
    assert Pupil.objects.count() == before


def test_a_bad_pupil_in_a_ctf_is_named_by_its_line_and_nothing_changes(personas):
    bad = CTF.replace(b"<DOB>2019-02-28</DOB>", b"<DOB>2019-02-31</DOB>")
    r = _import(personas.api("admin"), personas.school_a, bad)
    body = r.json()
    assert (body["created"], body["updated"]) == (0, 0)
    line = bad.decode("cp1252").splitlines().index("    <Pupil>", 30) + 1
    assert body["errors"] == [
        {"row": line, "pupil": "Zoë Smith-Jones", "message": body["errors"][0]["message"]}
    ]
    assert body["errors"][0]["message"].startswith(f"line {line}, Zoë Smith-Jones: date of birth")
    assert not Pupil.objects.filter(pupil_id__in=UPNS).exists()


@pytest.mark.parametrize(
    "raw, words",
    [
        (b'<?xml version="1.0"?>\n<CTfile>\n<Header>\n</CTfile>\n', "line 4"),
        (b'<?xml version="1.0"?>\n<Workbook><Row/></Workbook>', "not a Common Transfer File"),
        (b'<?xml version="1.0"?>\n<CTfile><Header/></CTfile>', "holds no pupils"),
    ],
)
def test_a_malformed_or_foreign_xml_file_is_a_400_that_says_where(personas, raw, words):
    r = _import(personas.api("admin"), personas.school_a, raw)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_file"
    assert words in r.json()["error"]["message"]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<CTfile><CTFpupilData><Pupil><Surname>&f;</Surname></Pupil></CTFpupilData></CTfile>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CTfile><CTFpupilData><Pupil><Surname>&secret;</Surname></Pupil></CTFpupilData></CTfile>
"""


@pytest.mark.parametrize("raw", [BOMB, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_an_xml_bomb_or_external_entity_is_refused_and_nothing_is_read(personas, raw):
    before = Pupil.objects.count()
    r = _import(personas.api("admin"), personas.school_a, raw)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_file"
    assert "entities" in r.json()["error"]["message"]
    assert "root:" not in r.content.decode()
    assert Pupil.objects.count() == before


# Export -------------------------------------------------------------------------------


def _export(api, school, pupils, **query):
    params = {"pupils": ",".join(str(p.id) for p in pupils), **query}
    return api.get(f"/schools/{school.id}/ctf", params)


@pytest.fixture
def leavers(personas):
    school = personas.school_a
    school.lea, school.estab, school.urn = "801", "4001", "123456"
    school.save()
    return [
        make_pupil(
            school,
            first_name="Anaïs",
            surname="Müller",
            date_of_birth=date(2011, 3, 4),
            pupil_id=make_upn(7201),
            year_group=11,
            sex="F",
            sen_status="K",
            sen_needs=["SPLD", "SEMH"],
            sen_start_date=date(2023, 9, 5),
            status="archived",
        ),
        make_pupil(school, first_name="Tom", surname="D'Arcy", pupil_id=make_upn(7202), sex="M"),
    ]


def test_a_ctf_export_carries_the_header_and_each_pupil_as_the_dfe_structure_says(
    personas, leavers
):
    r = _export(
        personas.api("admin"), personas.school_a, leavers, dest_lea="936", dest_estab="4123"
    )
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("application/xml")
    assert r["Content-Disposition"] == 'attachment; filename="8014001_CTF_9364123_001.xml"'
    root = fromstring(r.content)
    assert root.tag == "CTfile"
    assert root.findtext("Header/SourceSchool/LEA") == "801"
    assert root.findtext("Header/SourceSchool/Estab") == "4001"
    assert root.findtext("Header/SourceSchool/URN") == "123456"
    assert (root.findtext("Header/DestSchool/LEA"), root.findtext("Header/DestSchool/Estab")) == (
        "936",
        "4123",
    )
    pupils = {p.findtext("UPN"): p for p in root.findall("CTFpupilData/Pupil")}
    anais = pupils[make_upn(7201)]
    assert (anais.findtext("Surname"), anais.findtext("Forename")) == ("Müller", "Anaïs")
    assert (anais.findtext("DOB"), anais.findtext("Sex")) == ("2011-03-04", "F")
    assert anais.findtext("BasicDetails/NCyearActual") == "11"
    assert anais.findtext("SENhistory/SEN/StartDate") == "2023-09-05"
    assert anais.findtext("SENhistory/SEN/SENprovision") == "K"
    needs = [
        (n.findtext("SENtypeRank"), n.findtext("SENtype"))
        for n in anais.findall("SENhistory/SENneeds/SENneed")
    ]
    assert needs == [("1", "SPLD"), ("2", "SEMH")]
    assert pupils[make_upn(7202)].find("SENhistory") is None  # no SEN, no history
    # Each pupil's access log records who sent their record where.
    events = AuditEvent.objects.filter(action="pupil.ctf_exported")
    assert {e.pupil for e in events} == {str(p.id) for p in leavers}
    assert all(e.detail == {"dest_lea": "936", "dest_estab": "4123"} for e in events)


def test_a_ctf_round_trip_brings_back_every_field_it_carries(personas, leavers):
    exported = _export(personas.api("admin"), personas.school_a, leavers).content
    other = make_school("Receiving", lea="936", estab="4123")
    admin = make_staff(other, "admin")
    r = _import(Api(admin), other, exported)
    assert counts(r.json()) == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    fields = (
        "pupil_id",
        "first_name",
        "surname",
        "date_of_birth",
        "sex",
        "year_group",
        "sen_status",
        "sen_needs",
        "sen_start_date",
    )
    for sent in leavers:
        came = Pupil.objects.get(school=other, pupil_id=sent.pupil_id)
        assert [getattr(came, f) for f in fields] == [getattr(sent, f) for f in fields]
    # Importing the same file again changes nothing.
    assert _import(Api(admin), other, exported).json()["unchanged"] == 2


def test_the_destination_defaults_to_not_known_and_bad_codes_are_named(personas, leavers):
    api = personas.api("admin")
    r = _export(api, personas.school_a, leavers)
    assert fromstring(r.content).findtext("Header/DestSchool/LEA") == "MMM"
    r = _export(api, personas.school_a, leavers, dest_lea="12", dest_estab="XXXX")
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"dest_lea"}


def test_pupils_without_a_permanent_upn_are_named_and_nothing_is_exported(personas, leavers):
    temp = make_pupil(personas.school_a, first_name="Temp", pupil_id=_temporary_upn())
    r = _export(personas.api("admin"), personas.school_a, [*leavers, temp])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_upn"
    assert r.json()["error"]["fields"]["pupils"] == [
        f"Temp Example ({temp.pupil_id}): This is a temporary UPN; give the pupil their "
        "permanent UPN first."
    ]
    assert not AuditEvent.objects.filter(action="pupil.ctf_exported").exists()


def _temporary_upn() -> str:
    from pupilhub.pupils.identity import upn_check_letter

    body = "80120009999" + "T"
    return upn_check_letter(body) + body


@pytest.mark.parametrize(
    "who, status",
    [(None, 401), ("admin_b", 404), ("teacher", 403), ("senco", 403), ("main_admin", 200)],
)
def test_ctf_export_is_for_this_schools_admins(personas, leavers, who, status):
    assert _export(personas.api(who), personas.school_a, leavers).status_code == status


def test_another_schools_pupil_cannot_be_exported(personas, leavers):
    r = _export(personas.api("admin"), personas.school_a, [personas.pupil_b])
    assert r.status_code == 400
    assert "Bartholomew" not in r.content.decode()
    r = _export(personas.api("admin"), personas.school_a, [])
    assert r.status_code == 400


# Pages ----------------------------------------------------------------------------------


def test_the_ctf_page_lists_pupils_and_downloads_the_file(personas, leavers):
    web = personas.web("admin")
    url = f"/schools/{personas.school_a.id}/pupils/ctf/"
    page = web.get(url, {"status": "archived"}).content.decode()
    assert "Müller, Anaïs" in page and "D&#x27;Arcy" not in page
    one = web.get(url, {"pupils": str(leavers[1].id)}).content.decode()
    assert "checked" in one and "D&#x27;Arcy, Tom" in one and "Müller" not in one
    r = web.post(url, {"pupils": [str(p.id) for p in leavers], "dest_lea": "936"})
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith('attachment; filename="8014001_CTF_936MMMM')
    assert len(fromstring(r.content).findall("CTFpupilData/Pupil")) == 2


def test_the_ctf_page_names_what_is_wrong_and_downloads_nothing(personas, leavers):
    web = personas.web("admin")
    url = f"/schools/{personas.school_a.id}/pupils/ctf/"
    r = web.post(url, {"dest_lea": "9"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "Choose at least one pupil" in page and "3-digit LA number" in page
    assert 'aria-invalid="true"' in page


@pytest.mark.parametrize("who, status", [("admin_b", 404), ("teacher", 403), ("senco", 403)])
def test_the_ctf_page_is_for_admins(personas, who, status):
    url = f"/schools/{personas.school_a.id}/pupils/ctf/"
    assert personas.web(who).get(url).status_code == status
    assert personas.web(who).post(url, {"pupils": [str(personas.pupil.id)]}).status_code == status


def test_the_ctf_page_sends_anonymous_visitors_to_sign_in(personas):
    r = personas.web(None).get(f"/schools/{personas.school_a.id}/pupils/ctf/")
    assert r.status_code == 302 and "login" in r["Location"]


def test_the_import_page_takes_a_ctf_and_names_lines(personas):
    web = personas.web("admin")
    url = f"/schools/{personas.school_a.id}/pupils/import/"
    bad = CTF.replace(b"<DOB>2019-02-28</DOB>", b"<DOB>2019-02-31</DOB>")
    r = web.post(url, {"file": SimpleUploadedFile("ctf.xml", bad), "preview": "1"})
    assert "Line " in r.content.decode()
    r = web.post(url, {"file": SimpleUploadedFile("ctf.xml", CTF)})
    assert "2 created" in r.content.decode()


def test_the_transition_page_offers_a_ctf_for_schools_outside_the_cluster(personas):
    page = personas.web("admin").get(f"/schools/{personas.school_a.id}/transition/")
    assert f"/schools/{personas.school_a.id}/pupils/ctf/" in page.content.decode()


def counts(body):
    """The import answer's counts and errors (it also describes the columns it read)."""
    return {k: body[k] for k in ("created", "updated", "unchanged", "errors")}
