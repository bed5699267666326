import io

from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from pupilhub.accounts.models import User
from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField
from pupilhub.reports.models import PrintRun, Report


def _field(personas):
    return TrackingField.objects.create(
        school=personas.school_a, key="maths", name="Maths", subject="Maths", year_group=8
    )


def test_report_pages_for_each_caller(personas):
    _field(personas)
    url = f"/schools/{personas.school_a.id}/reports/"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    assert "Define a report" not in personas.web("teacher").get(url).content.decode()
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    r = personas.web("admin").post(
        url,
        {
            "name": "Y8 Progress",
            "year_groups": ["8"],
            "fields": ["maths"],
            "heading:maths": "Working at",
            "licence_types": [str(parent.id)],
        },
    )
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.fields == [{"key": "maths", "heading": "Working at"}]
    detail = personas.web("teacher").get(r.url)
    assert detail.status_code == 200 and "cannot see 1 of this report" in detail.content.decode()
    assert personas.web("admin_b").get(r.url).status_code == 404
    assert personas.web("teacher").post(r.url, {"action": "ended"}).status_code == 403
    preview = personas.web("teacher").get(
        f"/schools/{personas.school_a.id}/reports/{report.id}/pupils/{personas.pupil.id}.pdf"
    )
    assert (
        preview.status_code == 200
        and "Working at" in PdfReader(io.BytesIO(preview.content)).pages[0].extract_text()
    )
    html = personas.web("admin").get(r.url).content.decode()
    assert "messages/new/?template=report_ready&amp;report=" in html  # a server-side template


def test_a_print_run_from_the_page_shows_progress_then_the_pdf(
    personas, django_capture_on_commit_callbacks
):
    _field(personas)
    report = Report.objects.create(
        school=personas.school_a,
        name="Y8",
        year_groups=[8],
        fields=[{"key": "maths", "heading": ""}],
    )
    url = f"/schools/{personas.school_a.id}/reports/{report.id}/"
    with django_capture_on_commit_callbacks(execute=True):
        r = personas.web("admin").post(url, {"action": "print", "paper_only": "1"})
    assert r.status_code == 302
    run = PrintRun.objects.get()
    page = personas.web("admin").get(r.url).content.decode()
    assert (
        "Download the PDF" in page and run.status == "done"
    ) or PrintRun.objects.get().status == "done"
    assert personas.web("teacher").get(r.url).status_code == 403
    pdf = personas.web("admin").get(
        f"/schools/{personas.school_a.id}/reports/{report.id}/runs/{run.id}.pdf"
    )
    assert len(PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages) == 2


def test_parents_download_ended_reports_from_their_pupil_page(personas):
    _field(personas)
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    parent.access = {**parent.access, "tracking": ["maths"]}
    parent.save()
    report = Report.objects.create(
        school=personas.school_a,
        name="Y8 Autumn report",
        year_groups=[8],
        fields=[{"key": "maths", "heading": ""}],
        status="ended",
    )
    report.licence_types.set([parent])
    user = User.objects.create_user(
        "mum@example.com", "a long parent passphrase", email_verified_at=timezone.now()
    )
    link = ExternalLink.objects.create(
        user=user, school=personas.school_a, pupil=personas.pupil, licence_type=parent
    )
    client = Client()
    client.force_login(user)
    html = client.get(f"/my/pupils/{link.id}/").content.decode()
    assert "Y8 Autumn report (PDF)" in html and "download a copy" in html
    r = client.get(f"/my/pupils/{link.id}/reports/{report.id}.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    report.status = "active"
    report.save()
    assert client.get(f"/my/pupils/{link.id}/reports/{report.id}.pdf").status_code == 404


def test_the_report_page_names_fields_as_the_school_does_and_an_admin_can_change_it(personas):
    _field(personas)
    TrackingField.objects.create(
        school=personas.school_a, key="y8_aut_eng", name="Y8 Autumn", subject="English"
    )
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    report = Report.objects.create(
        school=personas.school_a,
        name="Y8 Progress",
        year_groups=[8],
        fields=[{"key": "maths", "heading": ""}, {"key": "y8_aut_eng", "heading": "Effort"}],
    )
    base = f"/schools/{personas.school_a.id}/reports/{report.id}/"
    html = personas.web("teacher").get(base).content.decode()
    assert "<li>Maths (Y8)</li>" in html and "<li>Effort (Y8 Autumn (English))</li>" in html
    assert "y8_aut_eng" not in html.split("<h2>Fields</h2>")[1].split("</ol>")[0]
    assert "Change this report" not in html  # teachers cannot change it
    assert "Change this report" in personas.web("admin").get(base).content.decode()

    edit = base + "edit/"
    assert personas.web(None).get(edit).status_code == 302
    assert personas.web("admin_b").get(edit).status_code == 404
    assert personas.web("teacher").get(edit).status_code == 403
    form = personas.web("admin").get(edit).content.decode()
    assert 'value="Y8 Progress"' in form and 'value="Effort"' in form
    # the report's own fields come first, in its order
    assert form.index('value="maths"') < form.index('value="y8_aut_eng"')
    post = {
        "name": "Y8 Spring",
        "year_groups": ["8", "9"],
        "fields": ["y8_aut_eng"],
        "heading:y8_aut_eng": "English effort",
        "licence_types": [str(parent.id)],
    }
    assert personas.web("teacher").post(edit, post).status_code == 403
    r = personas.web("admin").post(edit, post)
    assert r.status_code == 302 and r.url == base
    report.refresh_from_db()
    assert report.name == "Y8 Spring" and report.year_groups == [8, 9]
    assert report.fields == [{"key": "y8_aut_eng", "heading": "English effort"}]
    assert list(report.licence_types.all()) == [parent]
    # a bad change keeps the report as it was and says why
    r = personas.web("admin").post(edit, {**post, "name": " ", "fields": []}, follow=True)
    assert "Give the report a name" in r.content.decode()
    report.refresh_from_db()
    assert report.name == "Y8 Spring"
    # archived reports are history
    report.status = "archived"
    report.save()
    r = personas.web("admin").post(edit, post, follow=True)
    assert "archived" in r.content.decode()


def test_two_fields_of_one_name_are_told_apart_by_year_and_period(personas):
    """Issue 31: the report form showed two identical "Maths grade (Maths)" options."""
    for year, period in ((7, "Autumn"), (8, "Autumn")):
        TrackingField.objects.create(
            school=personas.school_a,
            key=f"m{year}",
            name="Maths grade",
            subject="Maths",
            year_group=year,
            period=period,
        )
    html = personas.web("admin").get(f"/schools/{personas.school_a.id}/reports/").content.decode()
    assert "Maths grade (Y7, Autumn)" in html
    assert "Maths grade (Y8, Autumn)" in html
