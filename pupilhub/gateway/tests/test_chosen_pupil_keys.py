"""Issue 31, item 9: issuing one social worker's key made live keys for a whole tutor group.
The page issues keys for exactly the pupils named (one is possible), and refuses a choice
that mixes named pupils with a whole group."""

import io

from openpyxl import load_workbook

from pupilhub.gateway.models import LicenceKey, LicenceType
from pupilhub.testing import make_pupil


def _social_worker(school):
    return LicenceType.objects.create(school=school, name="Social Worker", kind="custom")


def _url(personas):
    return f"/schools/{personas.school_a.id}/gateway/keys/"


def _rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))[1:]


def test_one_named_pupil_gets_one_key_and_nobody_else_does(personas):
    school = personas.school_a
    classmate = make_pupil(school, first_name="Lan", surname="Ng", tutor_group="8Z")
    lt = _social_worker(school)
    web = personas.web("admin")
    by_id = web.post(_url(personas), {"licence_type": lt.id, "pupils": personas.pupil.pupil_id})
    assert by_id.status_code == 200, by_id.content[:400]
    assert len(_rows(by_id)) == 1
    by_name = web.post(_url(personas), {"licence_type": lt.id, "pupils": "  lan   NG "})
    assert len(_rows(by_name)) == 1
    live = LicenceKey.objects.filter(licence_type=lt, revoked_at__isnull=True)
    assert sorted(str(k.pupil_id) for k in live) == sorted(
        [str(personas.pupil.pk), str(classmate.pk)]
    )


def test_the_api_issues_a_key_for_exactly_the_pupils_given(personas):
    school = personas.school_a
    make_pupil(school, first_name="Lan", surname="Ng", tutor_group=personas.pupil.tutor_group)
    lt = _social_worker(school)
    r = personas.api("admin").post(
        f"/schools/{school.id}/licence-keys",
        {"licence_type": str(lt.id), "pupils": [str(personas.pupil.id)]},
    )
    assert r.status_code == 201
    assert len(_rows(r)) == 1
    assert LicenceKey.objects.filter(licence_type=lt).count() == 1


def test_named_pupils_and_a_whole_group_together_are_refused(personas):
    school = personas.school_a
    lt = _social_worker(school)
    r = personas.web("admin").post(
        _url(personas),
        {"licence_type": lt.id, "pupils": personas.pupil.pupil_id, "tutor_group": "8Z"},
    )
    assert r.status_code == 400
    assert "Choose one" in r.content.decode()
    assert not LicenceKey.objects.filter(licence_type=lt).exists()


def test_a_name_matching_nobody_or_two_pupils_is_named_back(personas):
    school = personas.school_a
    make_pupil(school, first_name="Sam", surname="Lee")
    make_pupil(school, first_name="Sam", surname="Lee")
    lt = _social_worker(school)
    r = personas.web("admin").post(
        _url(personas), {"licence_type": lt.id, "pupils": "Sam Lee\nNo Body"}
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "Two pupils match &quot;Sam Lee&quot;" in page
    assert "called or numbered &quot;No Body&quot;" in page
    assert 'href="#id_pupils"' in page
    assert not LicenceKey.objects.filter(licence_type=lt).exists()


def test_the_pupil_page_link_prefills_that_pupil(personas):
    page = personas.web("admin").get(
        f"/schools/{personas.school_a.id}/gateway/?pupil={personas.pupil.id}"
    )
    assert personas.pupil.pupil_id in page.content.decode()
    other = personas.web("admin").get(
        f"/schools/{personas.school_a.id}/gateway/?pupil={personas.pupil_b.id}"
    )
    assert other.status_code == 200 and personas.pupil_b.pupil_id not in other.content.decode()


def test_the_pages_workbook_speaks_words_has_one_year_a_short_address_and_a_name(personas):
    """Issue 31, item 15: API column names, two year columns and a 77-character address."""
    school = personas.school_a
    parent = LicenceType.objects.get(school=school, kind="parent")
    r = personas.web("admin").post(
        _url(personas), {"licence_type": parent.id, "pupils": personas.pupil.pupil_id}
    )
    book = load_workbook(io.BytesIO(r.content))
    sheet = book.active
    header = next(sheet.iter_rows(values_only=True))
    assert header[:4] == ("Pupil ID", "First name", "Surname", "Year")
    assert "Licence key" in header and "Register at" in header
    assert sum(1 for h in header if "year" in h.lower()) == 1
    assert sheet.freeze_panes == "A2"
    row = dict(zip(header, list(sheet.iter_rows(values_only=True))[1], strict=True))
    school.refresh_from_db()
    assert row["Register at"].endswith(f"/join/{school.join_code}")
    assert len(row["Register at"]) < 40
    assert row["Year"] == personas.pupil.year_label
    assert "licence-keys-school-a-parent" in r["Content-Disposition"]


def test_the_short_address_opens_the_schools_registration(personas):
    from django.test import Client

    personas.school_a.refresh_from_db()
    code = personas.school_a.join_code
    assert len(code) == 6
    r = Client().get(f"/join/{code.lower()}")
    assert r.status_code == 302 and r.url == f"/gateway/{personas.school_a.id}/register/"
    assert Client().get("/join/ZZZZZZ").status_code == 404
