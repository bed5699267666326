import io

from django.core import mail
from django.test import Client
from openpyxl import load_workbook

from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField, TrackingValue
from pupilhub.testing import make_pupil

from .conftest import NEW_PASSWORD, keys_for, licence_type, token_from_mail


def parent_web(email="parent@example.com"):
    client = Client()
    r = client.post("/login/", {"email": email, "password": NEW_PASSWORD})
    assert r.status_code == 302, r.content
    return client


def test_staff_gateway_pages_for_each_caller(personas):
    school = personas.school_a
    lt = licence_type(school)
    for url in (
        f"/schools/{school.id}/gateway/",
        f"/schools/{school.id}/gateway/users/",
        f"/schools/{school.id}/gateway/types/{lt.id}/",
    ):
        assert personas.web(None).get(url).status_code == 302
        assert personas.web("admin_b").get(url).status_code == 404
        assert personas.web("teacher").get(url).status_code == 403
        assert personas.web("admin").get(url).status_code == 200


def test_an_admin_downloads_a_year_groups_keys_and_sees_the_domain_warning(personas):
    school = personas.school_a
    web = personas.web("admin")
    r = web.post(
        f"/schools/{school.id}/gateway/",
        {"settings": "1", "external_login_enabled": "on", "pupil_email_domains": "pupils.a.sch.uk"},
    )
    assert r.status_code == 302
    html = web.get(f"/schools/{school.id}/gateway/").content.decode()
    assert "pupils.a.sch.uk" in html and "domain-warning" in html
    r = web.post(
        f"/schools/{school.id}/gateway/keys/",
        {"licence_type": licence_type(school, "pupil").id, "year_group": "8"},
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "Zebedee" and len(rows) == 2
    assert (
        personas.web("teacher").post(f"/schools/{school.id}/gateway/keys/", {}).status_code == 403
    )


def test_an_admin_ticks_what_a_licence_type_sees(personas):
    lt = licence_type(personas.school_a)
    url = f"/schools/{personas.school_a.id}/gateway/types/{lt.id}/"
    assert (
        personas.web("admin")
        .post(url, {"profile:first_name": "1", "sen:strengths": "1"})
        .status_code
        == 302
    )
    lt.refresh_from_db()
    assert lt.access == {"profile": ["first_name"], "sen": ["strengths"]}


def test_registration_on_the_web_then_my_pupils(personas, django_capture_on_commit_callbacks):
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    client = Client()
    assert client.get(f"/gateway/{personas.school_a.id}/").status_code == 200
    url = f"/gateway/{personas.school_a.id}/register/"
    bad = client.post(
        url,
        {
            "email": "p@example.com",
            "password": NEW_PASSWORD,
            "pupil_id": row["pupil_id"],
            "licence_key": "0000",
        },
    )
    assert bad.status_code == 400 and "17 characters" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            url,
            {
                "email": "parent@example.com",
                "password": NEW_PASSWORD,
                "pupil_id": row["pupil_id"],
                "licence_key": row["licence_key"].lower().replace("-", " "),
            },
        )
    assert ok.status_code == 200 and "Check your email" in ok.content.decode()
    assert (
        client.post(
            "/login/", {"email": "parent@example.com", "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    link = f"/verify-email/{token_from_mail(mail.outbox[0])}"
    # A mail scanner following the link verifies nothing: only the page's button does.
    r = client.get(link)
    assert r.status_code == 200 and "Confirm my email address" in r.content.decode()
    assert (
        client.post(
            "/login/", {"email": "parent@example.com", "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    r = client.post(link)
    assert r.status_code == 302
    web = parent_web()
    assert web.get("/").url == "/my/"
    html = web.get("/my/").content.decode()
    assert "Zebedee" in html and "Parent/Guardian" in html


def test_the_pupil_page_shows_only_allowed_fields(personas, registered_parent):
    _, link, _ = registered_parent
    school = personas.school_a
    field = TrackingField.objects.create(
        school=school,
        key="y8-maths",
        name="Y8 Autumn Maths",
        subject="Maths",
        year_group=8,
        period="Y8 Autumn",
    )
    TrackingValue.objects.create(
        school=school, pupil=personas.pupil, field=field, value="SECRET-GRADE"
    )
    lt = LicenceType.objects.get(school=school, kind="parent")
    lt.access = {"profile": ["first_name"]}
    lt.save()
    web = parent_web()
    html = web.get(f"/my/pupils/{link}/").content.decode()
    assert "Zebedee" in html
    assert "Quokka" not in html and "SECRET-GRADE" not in html and "2012" not in html
    lt.access = {"profile": ["first_name"], "tracking": ["y8-maths"]}
    lt.save()
    assert "SECRET-GRADE" in web.get(f"/my/pupils/{link}/").content.decode()
    other = make_pupil(school)
    foreign = ExternalLink.objects.create(
        user=personas.teacher, school=school, pupil=other, licence_type=lt
    )
    assert web.get(f"/my/pupils/{foreign.id}/").status_code == 404  # someone else's link
    assert Client().get(f"/my/pupils/{link}/").status_code == 302


def test_tracking_over_time_is_charted(personas, registered_parent):
    _, link, _ = registered_parent
    school = personas.school_a
    keys = []
    for i, period in enumerate(["Y7 Autumn", "Y7 Summer", "Y8 Autumn"]):
        f = TrackingField.objects.create(
            school=school,
            key=f"maths-{i}",
            name=f"Maths {period}",
            subject="Maths",
            year_group=7 + i // 2,
            period=period,
            kind="number",
            position=i,
        )
        TrackingValue.objects.create(school=school, pupil=personas.pupil, field=f, value=str(3 + i))
        keys.append(f.key)
    lt = LicenceType.objects.get(school=school, kind="parent")
    lt.access = {"tracking": keys}
    lt.save()
    html = parent_web().get(f"/my/pupils/{link}/").content.decode()
    assert "<polyline" in html and "Progress over time" in html and "Y8 Autumn" in html
    # Issue 31: each value once on the family's page (the chart's own table was a repeat).
    assert "period-table" not in html
    assert html.count("<dd>5</dd>") == 1


def test_a_parent_chooses_paper_or_online_reports(personas, registered_parent):
    _, link, _ = registered_parent
    web = parent_web()
    assert web.post(f"/my/pupils/{link}/", {}).status_code == 302  # unticked: wants paper
    assert ExternalLink.objects.get(pk=link).paperless_reports is False


def test_account_changes_prove_the_new_address_notify_the_old_and_deletion_works(
    personas, registered_parent, django_capture_on_commit_callbacks
):
    import re

    from pupilhub.accounts.models import User

    web = parent_web()
    other_session = parent_web()
    with django_capture_on_commit_callbacks(execute=True):
        r = web.post(
            "/my/account/",
            {"email_change": "1", "em-email": "new@example.com", "em-password": NEW_PASSWORD},
        )
    assert r.status_code == 302
    # Nothing changes until the new address proves itself.
    assert User.objects.filter(email="parent@example.com").exists()
    assert mail.outbox[-1].to == ["new@example.com"]
    token = re.search(r"/confirm-email/#?([\w-]+)", mail.outbox[-1].body).group(1)
    assert web.get(f"/confirm-email/{token}").status_code == 200  # a scanner's GET: no change
    assert User.objects.filter(email="parent@example.com").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert web.post(f"/confirm-email/{token}").status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
    assert (
        mail.outbox[-1].to == ["parent@example.com"] and "new@example.com" in mail.outbox[-1].body
    )
    assert other_session.get("/my/").status_code == 302  # other sessions ended
    web = Client()
    web.post("/login/", {"email": "new@example.com", "password": NEW_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        r = web.post(
            "/my/account/",
            {
                "change_password": "1",
                "pw-current_password": NEW_PASSWORD,
                "pw-new_password": "a different long phrase",
            },
        )
    assert r.status_code == 302 and mail.outbox[-1].to == ["new@example.com"]
    html = web.get("/my/account/").content.decode()
    assert html.count('id="id_password"') == 0  # three forms, three distinct ids
    r = web.post("/my/account/", {"delete": "1", "del-password": "wrong", "del-confirm": "on"})
    assert r.status_code == 200 and "not right" in r.content.decode()
    r = web.post(
        "/my/account/",
        {"delete": "1", "del-password": "a different long phrase", "del-confirm": "on"},
    )
    assert r.status_code == 302
    assert not ExternalLink.objects.exists()


def test_no_staff_page_but_external_users_shows_an_address(personas, registered_parent):
    school = personas.school_a
    for who in ("teacher", "senco", "admin"):
        for url in (
            f"/schools/{school.id}/",
            f"/schools/{school.id}/pupils/{personas.pupil.id}/",
            f"/schools/{school.id}/gateway/",
        ):
            assert "parent@example.com" not in personas.web(who).get(url).content.decode()
    assert (
        "parent@example.com"
        in personas.web("admin").get(f"/schools/{school.id}/gateway/users/").content.decode()
    )


def test_the_marksheet_saves_all_or_nothing(personas):
    school = personas.school_a
    f = TrackingField.objects.create(
        school=school, key="reading", name="Reading age", year_group=8, kind="number"
    )
    url = f"/schools/{school.id}/tracking/marksheet/?year_group=8"
    assert 'class="table-scroll" role="region"' in personas.web("admin").get(url).content.decode()
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    web = personas.web("teacher")
    assert "Reading age" in web.get(url).content.decode()
    other = make_pupil(school, year_group=8)
    r = web.post(url, {f"v:{personas.pupil.id}:reading": "9", f"v:{other.id}:reading": "nine"})
    assert r.status_code == 200 and "Nothing was saved" in r.content.decode()
    assert not TrackingValue.objects.exists()
    r = web.post(url, {f"v:{personas.pupil.id}:reading": "9", f"v:{other.id}:reading": "10.5"})
    assert r.status_code == 302 and TrackingValue.objects.count() == 2
    assert f.values.get(pupil=other).value == "10.5"


def test_narrowing_a_licence_type_takes_effect_at_once_with_the_page_cache(
    personas, registered_parent, shared_cache
):
    _, link, _ = registered_parent
    school = personas.school_a
    field = TrackingField.objects.create(
        school=school, key="y8-maths", name="Y8 Maths", year_group=8
    )
    TrackingValue.objects.create(
        school=school, pupil=personas.pupil, field=field, value="SECRET-GRADE"
    )
    lt = LicenceType.objects.get(school=school, kind="parent")
    lt.access = {"profile": ["first_name"], "tracking": ["y8-maths"]}
    lt.save()
    web = parent_web()
    assert "SECRET-GRADE" in web.get(f"/my/pupils/{link}/").content.decode()  # cached now
    lt.access = {"profile": ["first_name"]}
    lt.save()
    assert "SECRET-GRADE" not in web.get(f"/my/pupils/{link}/").content.decode()


def test_marksheet_comments_have_room_to_write(personas):
    """Issue 17: comment boxes were 10 characters wide."""
    school = personas.school_a
    TrackingField.objects.create(
        school=school, key="maths-comment", name="Maths comment", year_group=8, kind="text"
    )
    url = f"/schools/{school.id}/tracking/marksheet/?year_group=8"
    html = personas.web("teacher").get(url).content.decode()
    assert f'<textarea id="v:{personas.pupil.id}:maths-comment"' in html
    r = personas.web("teacher").post(url, {f"v:{personas.pupil.id}:maths-comment": "Works hard."})
    assert r.status_code == 302
    assert TrackingValue.objects.get(pupil=personas.pupil).value == "Works hard."


def test_searching_families_ignores_accents_and_apostrophes(personas):
    from pupilhub.gateway.models import ExternalLink, LicenceType
    from pupilhub.testing import make_user

    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    for email, first, surname in (
        ("sean@example.org", "Seán", "O\u2019Brien"),
        ("zoe@example.org", "Zoë", "Smith"),
    ):
        user = make_user(email, first_name=first, surname=surname)
        ExternalLink.objects.create(
            user=user, school=personas.school_a, pupil=personas.pupil, licence_type=parent
        )
    url = f"/schools/{personas.school_a.id}/external-users"
    for q, expected in (
        ("sean", ["sean@example.org"]),
        ("SEÁN o'brien", ["sean@example.org"]),
        ("zoe", ["zoe@example.org"]),
        ("example.org", ["sean@example.org", "zoe@example.org"]),
        ("nobody", []),
    ):
        got = personas.api("admin").get(url, {"q": q}).json()["items"]
        assert [u["email"] for u in got] == expected, q
    page = personas.web("admin").get(f"/schools/{personas.school_a.id}/gateway/users/?q=sean")
    assert "sean@example.org" in page.content.decode()
    assert "zoe@example.org" not in page.content.decode()


def test_families_see_dates_in_words(personas, registered_parent):
    """Issue 31: families saw dates as 2014-03-09."""
    _, link, _ = registered_parent
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    lt.access = {"profile": ["first_name", "date_of_birth"]}
    lt.save()
    html = parent_web().get(f"/my/pupils/{link}/").content.decode()
    dob = personas.pupil.date_of_birth
    assert f"{dob.day} {dob:%B %Y}" in html and dob.isoformat() not in html
