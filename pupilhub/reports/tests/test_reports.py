import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from pupilhub.accounts.models import User
from pupilhub.gateway.models import (
    ExternalDenial,
    ExternalLink,
    LicenceType,
    TrackingField,
    TrackingValue,
)
from pupilhub.reports import actions, printing
from pupilhub.reports.models import Report
from pupilhub.testing import Api, make_pupil


def text_of(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def setup(personas):
    school = personas.school_a
    fields = {}
    for key, name, kind in (
        ("maths", "Maths attainment", "grade"),
        ("maths-comment", "Maths", "text"),
        ("secret", "Reading age", "number"),
    ):
        fields[key] = TrackingField.objects.create(
            school=school,
            key=key,
            name=name,
            subject="Maths" if key != "secret" else "English",
            year_group=8,
            kind=kind,
        )
    TrackingValue.objects.create(
        school=school, pupil=personas.pupil, field=fields["maths"], value="6+"
    )
    TrackingValue.objects.create(
        school=school,
        pupil=personas.pupil,
        field=fields["maths-comment"],
        value="Works hard in every lesson.",
    )
    TrackingValue.objects.create(
        school=school, pupil=personas.pupil, field=fields["secret"], value="SECRET-9.5"
    )
    parent = LicenceType.objects.get(school=school, kind="parent")
    parent.access = {
        "profile": ["first_name", "tutor_group"],
        "reports": ["available"],
        "tracking": ["maths", "maths-comment"],
    }
    parent.save()
    r = personas.api("admin").post(
        f"/schools/{school.id}/reports",
        {
            "name": "Y8 Progress",
            "year_groups": [8],
            "fields": [{"key": "maths", "heading": "Working at"}, "maths-comment", "secret"],
            "licence_types": [str(parent.id)],
        },
    )
    assert r.status_code == 201, r.content
    return Report.objects.get(pk=r.json()["id"]), parent


def parent_of(pupil, parent_type, email="mum@example.com", paperless=True, verified=True):
    user = User.objects.by_email(email) or User.objects.create_user(
        email, "a long parent passphrase", email_verified_at=timezone.now() if verified else None
    )
    return ExternalLink.objects.create(
        user=user,
        school=pupil.school,
        pupil=pupil,
        licence_type=parent_type,
        paperless_reports=paperless,
    )


def api_for(user):
    api = Api()
    r = Api().post("/auth/token", {"email": user.email, "password": "a long parent passphrase"})
    api.headers = {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}
    return api


def test_report_manager_calls_by_role(personas, setup):
    report, _parent = setup
    path = f"/schools/{personas.school_a.id}/reports"
    body = {"name": "X", "year_groups": [8], "fields": ["maths"], "licence_types": []}
    assert personas.api(None).post(path, body).status_code == 401
    assert personas.api("admin_b").post(path, body).status_code == 404
    assert personas.api("teacher").post(path, body).status_code == 403
    bad = personas.api("admin").post(path, {**body, "fields": ["nope"]})
    assert bad.status_code == 400 and "fields" in bad.json()["error"]["fields"]
    assert personas.api("teacher").get(f"{path}/{report.id}").json()["status"] == "active"
    assert personas.api("teacher").post(f"{path}/{report.id}/end").status_code == 403
    assert personas.api("admin").post(f"{path}/{report.id}/end").json()["status"] == "ended"
    assert personas.api("admin").post(f"{path}/{report.id}/end").status_code == 409
    assert personas.api("admin").post(f"{path}/{report.id}/archive").json()["status"] == "archived"


def test_a_report_is_changed_over_the_api_by_admins_only(personas, setup):
    report, parent = setup
    path = f"/schools/{personas.school_a.id}/reports/{report.id}"
    change = {"name": "Y8 Spring", "fields": ["maths-comment"]}
    assert personas.api(None).patch(path, change).status_code == 401
    assert personas.api("admin_b").patch(path, change).status_code == 404
    assert personas.api("teacher").patch(path, change).status_code == 403
    r = personas.api("admin").patch(path, change)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["name"] == "Y8 Spring" and body["year_groups"] == [8]  # left out: kept
    assert body["fields"] == [{"key": "maths-comment", "heading": ""}]
    assert body["licence_types"] == [str(parent.id)]
    for bad, field in (
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"fields": ["nope"]}, "fields"),
        ({"year_groups": []}, "year_groups"),
        ({"licence_types": ["not-an-id"]}, "licence_types"),
    ):
        r = personas.api("admin").patch(path, bad)
        assert r.status_code == 400 and field in r.json()["error"]["fields"], (bad, r.content)
    report.refresh_from_db()
    assert report.name == "Y8 Spring"  # nothing lost to a refused change
    personas.api("admin").post(f"{path}/archive")
    r = personas.api("admin").patch(path, {"name": "Again"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"


def test_an_active_report_is_invisible_externally_then_ended_is_downloadable(personas, setup):
    report, parent = setup
    link = parent_of(personas.pupil, parent)
    api = api_for(link.user)
    assert api.get(f"/me/pupils/{link.id}/reports").json()["items"] == []
    assert api.get(f"/me/pupils/{link.id}/reports/{report.id}/pdf").status_code == 404
    actions.do_set_status(
        __import__("pupilhub.schools.access", fromlist=["x"]).staff_access(
            personas.admin, personas.school_a.id
        ),
        report,
        "ended",
    )
    items = api.get(f"/me/pupils/{link.id}/reports").json()["items"]
    assert [i["name"] for i in items] == ["Y8 Progress"]
    r = api.get(f"/me/pupils/{link.id}/reports/{report.id}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = text_of(r.content)
    assert "Works hard in every lesson." in text and "6+" in text and "Working at" in text
    assert "SECRET-9.5" not in text and "Reading age" not in text  # not in the type's access
    from pupilhub.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="report.downloaded", actor=link.user).count() == 1
    portlets = api.get(f"/me/pupils/{link.id}/portlets").json()
    assert portlets["reports"] == {"available": ["Y8 Progress"]}


def test_a_report_not_available_to_a_licence_type_is_404_for_it(personas, setup):
    report, _parent = setup
    report.status = "ended"
    report.save()
    pupil_type = LicenceType.objects.get(school=personas.school_a, kind="pupil")
    child = User.objects.create_user(
        "kid@example.com", "a long parent passphrase", email_verified_at=timezone.now()
    )
    link = ExternalLink.objects.create(
        user=child, school=personas.school_a, pupil=personas.pupil, licence_type=pupil_type
    )
    api = api_for(child)
    assert api.get(f"/me/pupils/{link.id}/reports").json()["items"] == []
    assert api.get(f"/me/pupils/{link.id}/reports/{report.id}/pdf").status_code == 404


def test_the_pdf_follows_the_pupils_current_tutor_group(personas, setup):
    report, _ = setup
    url = f"/schools/{personas.school_a.id}/reports/{report.id}/pupils/{personas.pupil.id}/pdf"
    assert personas.api("admin_b").get(url).status_code == 404
    first = text_of(personas.api("teacher").get(url).content)
    assert "8X" in first and "Zebedee Quokka-Ä" in first and "Page 1 of 1" in first
    personas.pupil.tutor_group = "8Q"
    personas.pupil.save()
    assert "8Q" in text_of(personas.api("teacher").get(url).content)


def test_paper_only_includes_pupils_without_a_parent_reading_online(personas, setup):
    report, parent = setup
    school = personas.school_a
    online = make_pupil(school, surname="Online", year_group=8)
    paper = make_pupil(school, surname="Paper", year_group=8)
    unverified = make_pupil(school, surname="Unverified", year_group=8)
    denied = make_pupil(school, surname="Denied", year_group=8)
    mixed = make_pupil(school, surname="Mixed", year_group=8)
    parent_of(online, parent, "a@example.com", paperless=True)
    parent_of(paper, parent, "b@example.com", paperless=False)
    parent_of(unverified, parent, "c@example.com", paperless=True, verified=False)
    d = parent_of(denied, parent, "d@example.com", paperless=True)
    ExternalDenial.objects.create(school=school, user=d.user)
    parent_of(mixed, parent, "e@example.com", paperless=False)
    parent_of(mixed, parent, "f@example.com", paperless=True)  # one reads online: enough
    names = {p.surname for p in printing.print_pupils(report, paper_only=True)}
    assert names == {"Quokka-Ä", "Paper", "Unverified", "Denied"}
    assert len(printing.print_pupils(report, paper_only=False)) == 6


def test_a_print_run_reports_progress_and_makes_one_combined_pdf(
    personas, setup, django_capture_on_commit_callbacks
):
    report, _ = setup
    for i in range(3):
        make_pupil(personas.school_a, surname=f"Zed{i}", year_group=8, tutor_group="8A")
    path = f"/schools/{personas.school_a.id}/reports/{report.id}/print-runs"
    assert personas.api("teacher").post(path, {"paper_only": False}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = personas.api("admin").post(path, {"paper_only": False})
    assert r.status_code == 202 and r.json()["total"] == 4
    job = personas.api("admin").get(f"{path}/{r.json()['id']}").json()
    assert (job["status"], job["done"], job["total"]) == ("done", 4, 4)
    pdf = personas.api("admin").get(f"{path}/{r.json()['id']}/pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
    assert len(reader.pages) == 5 == job["pages"]  # the cover list and one page a pupil
    cover = reader.pages[0].extract_text()
    assert cover.index("Zed0") < cover.index("Zed2") < cover.index("Quokka")  # 8A before 8X
    assert (
        "Zed0" in reader.pages[1].extract_text() and "Page 1 of 1" in reader.pages[1].extract_text()
    )
    assert personas.api("admin_b").get(f"{path}/{r.json()['id']}/pdf").status_code == 404


def test_long_names_and_forty_fields_do_not_overflow(personas):
    school = personas.school_a
    pupil = make_pupil(
        school,
        first_name="Maximiliana-Alexandrina " * 3,
        surname="Featherstonehaugh-Wolfeschlegelsteinhausenberger",
        year_group=8,
    )
    keys = []
    for i in range(40):
        f = TrackingField.objects.create(
            school=school,
            key=f"f{i}",
            name=f"A rather long measure name number {i}",
            subject=f"Subject {i % 8}",
            year_group=8,
            kind="text" if i % 10 == 0 else "grade",
        )
        TrackingValue.objects.create(
            school=school,
            pupil=pupil,
            field=f,
            value="A long comment that wraps over several lines. " * (3 if f.kind == "text" else 0)
            or "7",
        )
        keys.append(f.key)
    r = personas.api("admin").post(
        f"/schools/{school.id}/reports", {"name": "Long", "year_groups": [8], "fields": keys}
    )
    url = f"/schools/{school.id}/reports/{r.json()['id']}/pupils/{pupil.id}/pdf"
    content = personas.api("admin").get(url).content
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {len(reader.pages)}" in text
        assert "Wolfeschlegelsteinhausenberger" in text.replace("\n", "")  # on every page
    assert "measure name number 39" in " ".join(text_of(content).split())
