import re

from django.core import mail
from django.test import Client

from pupilhub.core.models import AuditEvent
from pupilhub.schools.models import StaffMembership

SCHOOL = {
    "name": "New School",
    "postcode": "ox1 2ab",
    "year_scheme": "scotland",
    "year_from": 8,
    "year_to": 13,
}


def test_only_operators_create_schools(personas):
    assert personas.api(None).post("/schools", SCHOOL).status_code == 401
    assert personas.api("main_admin").post("/schools", SCHOOL).status_code == 403
    r = personas.api("operator").post("/schools", SCHOOL)
    assert r.status_code == 201
    body = r.json()
    assert body["postcode"] == "OX1 2AB"
    assert body["year_scheme"] == "scotland"
    assert set(body) == {
        "id",
        "name",
        "postcode",
        "year_scheme",
        "year_from",
        "year_to",
        "urn",
        "lea",
        "estab",
    }


def test_bad_school_fields_are_named(personas):
    r = personas.api("operator").post(
        "/schools", {**SCHOOL, "postcode": "nope", "year_from": 12, "year_to": 3}
    )
    assert r.status_code == 400
    assert "postcode" in r.json()["error"]["fields"]


def test_operator_creates_the_first_main_admin_who_is_invited(
    personas, django_capture_on_commit_callbacks
):
    school = personas.api("operator").post("/schools", SCHOOL).json()
    with django_capture_on_commit_callbacks(execute=True):
        r = personas.api("operator").post(
            f"/schools/{school['id']}/staff",
            {
                "email": "Head@New.example.org",
                "first_name": "Hana",
                "surname": "Head",
                "role": "main_admin",
            },
        )
    assert r.status_code == 201, r.content
    assert r.json()["role"] == "main_admin"
    assert r.json()["email"] == "head@new.example.org"
    assert r.json()["status"] == "invited"
    invite = mail.outbox[-1]
    assert (
        invite.subject == "You are invited to run New School on pupilhub as its Main School Admin"
    )
    assert "invited as its Main School Admin" in invite.body
    assert "invite your colleagues" in invite.body and "as Staff" not in invite.body
    link = re.search(r"/invitations/#?([\w-]+)", invite.body).group(1)
    welcome = Client().get(f"/invitations/{link}").content.decode()
    assert "As Main School Admin you run the school's account" in welcome
    page = Client().post(f"/invitations/{link}", {"password": "a good long passphrase"})
    assert page.status_code == 302
    login = Client().post(
        "/login/", {"email": "head@new.example.org", "password": "a good long passphrase"}
    )
    assert login.status_code == 302
    second = personas.api("operator").post(
        f"/schools/{school['id']}/staff",
        {"email": "x@new.example.org", "first_name": "X", "surname": "Y", "role": "main_admin"},
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "main_admin_exists"


def test_admins_add_staff_but_only_main_admins_add_admins(personas):
    url = f"/schools/{personas.school_a.id}/staff"
    person = {"email": "new@a.example.org", "first_name": "N", "surname": "W"}
    assert personas.api("teacher").post(url, person).status_code == 403
    assert personas.api("admin_b").post(url, person).status_code == 404
    assert personas.api("admin").post(url, {**person, "role": "admin"}).status_code == 403
    r = personas.api("admin").post(url, person)
    assert r.status_code == 201 and r.json()["role"] == "staff"
    r2 = personas.api("main_admin").post(
        url, {**person, "email": "n2@a.example.org", "role": "admin"}
    )
    assert r2.status_code == 201
    assert personas.api("admin").post(url, person).json()["error"]["code"] == "already_staff"
    assert AuditEvent.objects.filter(action="staff.invited", school=personas.school_a).count() == 2


def test_one_person_can_be_staff_at_two_schools_and_keeps_their_password(personas):
    r = personas.api("admin_b").post(
        f"/schools/{personas.school_b.id}/staff",
        {"email": "teacher@a.example.org", "first_name": "T", "surname": "P"},
    )
    assert r.status_code == 201
    assert StaffMembership.objects.filter(user=personas.teacher).count() == 2
    personas.teacher.refresh_from_db()
    assert not personas.teacher.check_password("attacker chosen password")


def test_naming_a_new_main_admin_demotes_the_old_one(personas):
    from pupilhub.schools.access import staff_access
    from pupilhub.schools.actions import do_change_role

    access = staff_access(personas.main_admin, personas.school_a.id)
    target = StaffMembership.objects.get(user=personas.admin)
    do_change_role(access, target, "main_admin", False)
    roles = dict(
        StaffMembership.objects.filter(school=personas.school_a).values_list("user__email", "role")
    )
    assert roles["head@a.example.org"] == "admin"
    assert roles["office@a.example.org"] == "main_admin"


def test_staff_page_for_each_caller(personas):
    url = f"/schools/{personas.school_a.id}/staff/"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    assert personas.web("teacher").get(url).status_code == 403
    page = personas.web("admin").get(url)
    assert page.status_code == 200
    assert "teacher@a.example.org" in page.content.decode()


def test_operator_page_creates_a_school_with_its_main_admin(personas):
    assert personas.web("main_admin").get("/operator/").status_code == 403
    r = personas.web("operator").post(
        "/operator/",
        {
            "name": "Web School",
            "postcode": "OX1 1AA",
            "year_scheme": "england",
            "year_from": 0,
            "year_to": 6,
            "admin_email": "boss@web.example.org",
            "admin_first_name": "B",
            "admin_surname": "W",
        },
    )
    assert r.status_code == 302
    assert StaffMembership.objects.get(user__email="boss@web.example.org").role == "main_admin"


def test_audit_log_is_admin_only_and_insert_only(personas):
    personas.api("admin").patch(
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}", {"tutor_group": "8Z"}
    )
    url = f"/schools/{personas.school_a.id}/audit/"
    assert personas.web("teacher").get(url).status_code == 403
    assert personas.web("admin_b").get(url).status_code == 404
    page = personas.web("admin").get(url)
    assert "Pupil record changed" in page.content.decode()
    event = AuditEvent.objects.first()
    import pytest

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_a_school_carries_its_dfe_codes_and_bad_ones_are_named(personas):
    api = personas.api("operator")
    body = {"name": "Fenwick Academy", "postcode": "OX1 1AA", "urn": "137042", "lea": "931"}
    r = api.post("/schools", {**body, "estab": "4001"})
    assert r.status_code == 201, r.content
    assert (r.json()["urn"], r.json()["lea"], r.json()["estab"]) == ("137042", "931", "4001")
    bad = api.post("/schools", {**body, "urn": "13704", "estab": "40a1"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"urn", "estab"}


def test_a_second_school_with_the_same_name_and_postcode_is_refused(personas):
    """Issue 31: two "St Mary's" at one postcode were both accepted."""
    api = personas.api("operator")
    first = api.post("/schools", {**SCHOOL, "name": "St Mary's"})
    assert first.status_code == 201
    for name in ("St Mary's", "st mary's", "  St   Mary's "):
        again = api.post("/schools", {**SCHOOL, "name": name, "postcode": "OX12AB"})
        assert again.status_code == 409, name
        assert again.json()["error"]["code"] == "duplicate_school"
    assert (
        api.post("/schools", {**SCHOOL, "name": "St Mary's", "postcode": "OX1 3AB"}).status_code
        == 201
    )
    assert api.post("/schools", {**SCHOOL, "name": "St Mary's RC"}).status_code == 201


def test_the_operator_page_refuses_a_duplicate_school_with_the_field_named(personas, client):
    personas.api("operator").post("/schools", {**SCHOOL, "name": "St Mary's"})
    client.force_login(personas.operator)
    from pupilhub.schools.models import School

    count = School.objects.count()
    r = client.post(
        "/operator/",
        {
            "name": "ST MARY'S",
            "postcode": "OX1 2AB",
            "year_scheme": "england",
            "year_from": 7,
            "year_to": 11,
            "admin_email": "head@stmarys.example.org",
            "admin_first_name": "Ann",
            "admin_surname": "Head",
        },
    )
    assert r.status_code == 200
    assert "already exists" in r.content.decode()
    assert School.objects.count() == count
