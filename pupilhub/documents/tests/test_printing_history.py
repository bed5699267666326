import io

from pypdf import PdfReader

from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import Passport, Plan


def _passport(personas, **extra):
    data = {
        "school": personas.school_a,
        "pupil": personas.pupil,
        "about_me": "I like trains & <drawing>.",
        "strengths": "Maths",
        "what_helps": "A quiet space\nClear steps",
    }
    data.update(extra)
    return Passport.objects.create(**data)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_passport_prints_as_one_a4_page_with_embedded_fonts(personas):
    passport = _passport(personas)
    base = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}"
    url = f"{base}/passports/{passport.id}/pdf"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    r = personas.web("teacher").get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = _pdf_text(r.content)
    assert "Zebedee Quokka-Ä" in text and "I like trains & <drawing>." in text
    assert "What helps me" in text and "Page 1 of 1" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        assert "/FontFile2" in font.get_object()["/FontDescriptor"]  # embedded TrueType
    assert AuditEvent.objects.filter(action="passport.printed", object_id=str(passport.id)).exists()


def test_the_passport_pdf_is_in_the_api_too(personas):
    passport = _passport(personas)
    path = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/passports/{passport.id}/pdf"
    assert personas.api(None).get(path).status_code == 401
    assert personas.api("admin_b").get(path).status_code == 404
    other = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/passports/{personas.pupil.id}/pdf"
    assert personas.api("teacher").get(other).status_code == 404
    r = personas.api("teacher").get(path)
    assert r.status_code == 200 and "Strengths" not in _pdf_text(r.content)
    assert "My strengths" in _pdf_text(r.content)


def test_a_document_history_lists_who_changed_which_fields(personas):
    api = personas.api("senco")
    base = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/plans"
    plan = api.post(base, {"title": "Reading plan", "start_date": "2026-09-01"}).json()
    assert (
        api.patch(
            f"{base}/{plan['id']}", {"status": "active", "strategies": "Secret words"}
        ).status_code
        == 200
    )
    r = api.get(f"{base}/{plan['id']}/history")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["action"] for i in items] == ["created", "updated"]
    assert items[1]["fields"] == ["status", "strategies"]
    assert "Secret words" not in r.content.decode()  # field names, never content
    assert personas.api("admin_b").get(f"{base}/{plan['id']}/history").status_code == 404
    assert personas.api(None).get(f"{base}/{plan['id']}/history").status_code == 401

    page = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/plans/{plan['id']}/history/"
    assert personas.web(None).get(page).status_code == 302
    assert personas.web("admin_b").get(page).status_code == 404
    html = personas.web("teacher").get(page).content.decode()
    assert "Updated" in html and "status, strategies" in html and "Secret words" not in html


def test_confidential_and_safeguarding_history_stays_restricted(personas):
    plan = Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Hidden",
        confidential=True,
        start_date="2026-09-01",
    )
    base = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}"
    assert personas.api("teacher").get(f"{base}/plans/{plan.id}/history").status_code == 404
    assert personas.api("senco").get(f"{base}/plans/{plan.id}/history").status_code == 200
    issue = (
        personas.api("senco")
        .post(
            f"{base}/safeguarding-issues",
            {"date": "2026-11-01", "category": "neglect", "description": "x"},
        )
        .json()
    )
    assert (
        personas.api("teacher").get(f"{base}/safeguarding-issues/{issue['id']}/history").status_code
        == 403
    )
    r = personas.api("senco").get(f"{base}/safeguarding-issues/{issue['id']}/history")
    assert r.status_code == 200
    assert "read" in [i["action"] for i in r.json()["items"]]  # reads show in the history
