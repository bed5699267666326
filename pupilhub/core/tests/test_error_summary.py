"""Issue 31, item 2: a long form with an error reloaded at the top with the error off
screen. Every form opens with a summary linking to each field in error (and the page's
script moves focus to it)."""

import re

import pytest


def _summary(html: str) -> list[str]:
    box = re.search(r'<div class="error-summary"[^>]*data-error-summary.*?</div>', html, re.S)
    assert box, "no error summary"
    assert 'role="alert"' in box.group(0) and 'tabindex="-1"' in box.group(0)
    return re.findall(r'href="#([^"]+)"', box.group(0))


@pytest.mark.django_db
def test_a_provision_form_names_each_bad_field_at_the_top(personas):
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/provisions/new/"
    r = personas.web("senco").post(url, {"name": "", "start_date": "not a date"})
    assert r.status_code in (200, 400)
    links = _summary(r.content.decode())
    assert "id_name" in links and "id_start_date" in links


@pytest.mark.django_db
def test_the_operators_new_school_form_names_each_bad_field_at_the_top(personas):
    r = personas.web("operator").post("/operator/", {"name": "", "postcode": "nowhere"})
    links = _summary(r.content.decode())
    assert "id_name" in links and "id_admin_email" in links


@pytest.mark.django_db
def test_the_staff_invitation_form_names_each_bad_field_at_the_top(personas):
    r = personas.web("main_admin").post(
        f"/schools/{personas.school_a.id}/staff/", {"email": "not-an-address", "first_name": ""}
    )
    links = _summary(r.content.decode())
    assert "id_email" in links and "id_first_name" in links


def test_every_page_loads_the_focus_script():
    from pathlib import Path

    base = (Path(__file__).parents[3] / "templates" / "base.html").read_text()
    assert "js/pages.js" in base
    script = (Path(__file__).parents[3] / "static" / "js" / "pages.js").read_text()
    assert "data-error-summary" in script and ".focus(" in script
