"""Issue 29, M-2: a role that needs a second factor, gained by someone without one, ends
their sessions and tokens; the factor is then set up only from a single-use link mailed to
their verified address, and the person and the head are told."""

import re

import pyotp
import pytest
from django.core import mail
from django.test import Client

from pupilhub.accounts import mfa
from pupilhub.accounts.models import User
from pupilhub.core.models import AuditEvent
from pupilhub.testing import PASSWORD, Api


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}
    monkeypatch.setattr(mfa, "now", lambda: now["t"])
    return now


def _enrol_link(email):
    found = [m for m in mail.outbox if m.to == [email] and "/second-factor/setup/" in m.body]
    assert found, [m.subject for m in mail.outbox]
    return re.search(r"/second-factor/setup/#([\w-]+)", found[-1].body).group(1)


def _promote(personas, capture, **change):
    membership = personas.teacher.memberships.get(school=personas.school_a)
    with capture(execute=True):
        r = personas.api("main_admin").patch(
            f"/schools/{personas.school_a.id}/staff/{membership.id}", change
        )
    assert r.status_code == 200, r.content
    return membership


def test_made_a_lead_ends_password_only_access_and_enrols_only_by_link(
    personas, clock, django_capture_on_commit_callbacks
):
    teacher_api = personas.api("teacher")
    web = Client()
    web.force_login(personas.teacher)
    assert web.get(f"/schools/{personas.school_a.id}/").status_code == 200
    assert teacher_api.get(f"/schools/{personas.school_a.id}/pupils").status_code == 200

    _promote(personas, django_capture_on_commit_callbacks, safeguarding_lead=True)

    # The old token and session end at once: no child-protection record without a factor.
    assert teacher_api.get(f"/schools/{personas.school_a.id}/pupils").status_code == 401
    assert web.get(f"/schools/{personas.school_a.id}/").status_code == 302
    # The person gets the link; the head is told.
    token = _enrol_link("teacher@a.example.org")
    head = [m for m in mail.outbox if m.to == ["head@a.example.org"]]
    assert any("second factor" in m.body for m in head)
    assert AuditEvent.objects.filter(action="account.mfa_enrolment_required").exists()

    # A password alone (a thief's) can sign in only to be told to use the link.
    login = Api().post("/auth/token", {"email": "teacher@a.example.org", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["mfa_enrolment_required"] is True
    thief = Client(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")
    refused = thief.post("/api/v1/me/mfa/totp")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_enrolment_link_required"

    # The link without the password does nothing; with it, the person enrols.
    wrong = Api().post("/auth/mfa-enrolment", {"token": token, "password": "not it at all"})
    assert wrong.status_code == 400
    ok = Api().post("/auth/mfa-enrolment", {"token": token, "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["mfa_enrolment_required"] is True
    owner = Client(HTTP_AUTHORIZATION=f"Bearer {ok.json()['token']}")
    start = owner.post("/api/v1/me/mfa/totp")
    assert start.status_code == 201
    code = pyotp.TOTP(start.json()["secret"]).at(clock["t"])
    done = owner.post("/api/v1/me/mfa/totp/confirm", {"otp": code}, content_type="application/json")
    assert done.status_code == 200
    assert owner.get(f"/api/v1/schools/{personas.school_a.id}/pupils").status_code == 200
    assert not User.objects.get(pk=personas.teacher.pk).mfa_enrol_by_link
    # The link worked once.
    again = Api().post("/auth/mfa-enrolment", {"token": token, "password": PASSWORD})
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_token"


def test_made_an_admin_on_the_pages_and_set_up_from_the_link(
    personas, clock, django_capture_on_commit_callbacks
):
    _promote(personas, django_capture_on_commit_callbacks, role="admin")
    token = _enrol_link("teacher@a.example.org")
    web = Client()
    r = web.post("/login/", {"email": "teacher@a.example.org", "password": PASSWORD})
    assert r.url == "/account/security/"
    page = web.get("/account/security/").content.decode()
    assert "<svg" not in page and "Email me a new link" in page
    assert web.get(f"/schools/{personas.school_a.id}/").url == "/account/security/"

    landing = web.get("/second-factor/setup/")
    assert landing.status_code == 200 and "data-link-token" in landing.content.decode()
    followed = web.post("/second-factor/setup/", {"token": token, "password": PASSWORD})
    assert followed.status_code == 302 and followed.url == "/account/security/"
    page = web.get("/account/security/").content.decode()
    assert "<svg" in page
    secret = pyotp.TOTP(mfa.pending_device(personas.teacher).secret)
    done = web.post("/account/security/", {"code": secret.at(clock["t"])})
    assert done.status_code == 200 and "recovery codes" in done.content.decode().lower()
    assert web.get(f"/schools/{personas.school_a.id}/").status_code == 200


def test_someone_who_already_has_a_factor_keeps_their_sessions(
    personas, clock, django_capture_on_commit_callbacks
):
    from pupilhub.accounts.actions import do_confirm_totp
    from pupilhub.accounts.models import TotpDevice

    device = TotpDevice.objects.create(user=personas.teacher, secret=pyotp.random_base32())
    do_confirm_totp(personas.teacher, pyotp.TOTP(device.secret).at(clock["t"]))
    teacher_api = personas.api("teacher")
    _promote(personas, django_capture_on_commit_callbacks, safeguarding_lead=True)
    assert teacher_api.get(f"/schools/{personas.school_a.id}/pupils").status_code == 200
    assert not [m for m in mail.outbox if "/second-factor/setup/" in m.body]


def test_a_new_link_can_be_asked_for_and_old_links_stop_working(
    personas, clock, django_capture_on_commit_callbacks
):
    _promote(personas, django_capture_on_commit_callbacks, role="admin")
    first = _enrol_link("teacher@a.example.org")
    web = Client()
    web.post("/login/", {"email": "teacher@a.example.org", "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        web.post("/account/security/", {"new_link": "1"})
    second = _enrol_link("teacher@a.example.org")
    assert first != second
    stale = Api().post("/auth/mfa-enrolment", {"token": first, "password": PASSWORD})
    assert stale.status_code == 400
    fresh = Api().post("/auth/mfa-enrolment", {"token": f"#{second}", "password": PASSWORD})
    assert fresh.status_code == 200


def test_new_recovery_codes_and_turning_off_need_the_password_and_a_code(personas, clock):
    from pupilhub.accounts.actions import do_confirm_totp
    from pupilhub.accounts.models import TotpDevice

    device = TotpDevice.objects.create(user=personas.teacher, secret=pyotp.random_base32())
    do_confirm_totp(personas.teacher, pyotp.TOTP(device.secret).at(clock["t"]))
    web = Client()
    web.force_login(personas.teacher)
    clock["t"] += 30
    code = pyotp.TOTP(device.secret).at(clock["t"])
    bare = web.post("/account/security/", {"new_codes": "1"})
    assert bare.status_code == 200 and "required" in bare.content.decode().lower()
    from pupilhub.accounts.models import RecoveryCode

    before = set(RecoveryCode.objects.filter(user=personas.teacher).values_list("pk", flat=True))
    wrong = web.post(
        "/account/security/", {"new_codes": "1", "c-password": "not it", "c-code": code}
    )
    assert "Your current password is not right." in wrong.content.decode()
    assert (
        set(RecoveryCode.objects.filter(user=personas.teacher).values_list("pk", flat=True))
        == before
    )
    ok = web.post("/account/security/", {"new_codes": "1", "c-password": PASSWORD, "c-code": code})
    assert ok.status_code == 200
    after = set(RecoveryCode.objects.filter(user=personas.teacher).values_list("pk", flat=True))
    assert len(after) == 10 and not before & after


def test_api_json_bodies_must_be_objects(personas):
    r = personas.api("main_admin").client.patch(
        f"/api/v1/schools/{personas.school_a.id}/pupils/{personas.pupil.id}",
        "[1, 2]",
        content_type="application/json",
        **personas.api("main_admin").headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"


def test_a_new_account_invited_as_head_enrols_at_sign_in_without_a_link(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        personas.api("main_admin").post(
            f"/schools/{personas.school_a.id}/staff",
            {
                "email": "new.admin@a.example.org",
                "first_name": "N",
                "surname": "A",
                "role": "admin",
            },
        )
    body = [m for m in mail.outbox if m.to == ["new.admin@a.example.org"]][-1].body
    token = re.search(r"/invitations/#([\w-]+)", body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        ok = Api().post("/auth/invitations/accept", {"token": token, "password": PASSWORD * 2})
    assert ok.status_code == 200
    assert not User.objects.get(email="new.admin@a.example.org").mfa_enrol_by_link
    assert not [m for m in mail.outbox if "/second-factor/setup/" in m.body]


def test_an_existing_account_accepting_an_admin_invitation_enrols_by_link(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        personas.api("admin_b").post(
            f"/schools/{personas.school_b.id}/staff",
            {"email": "teacher@a.example.org", "first_name": "T", "surname": "A", "role": "staff"},
        )
    teacher_api = personas.api("teacher")
    # Made admin at school B by B's head would need B's head; here the invitation is for
    # staff, so nothing is gained and nothing ends.
    body = [m for m in mail.outbox if m.to == ["teacher@a.example.org"]][-1].body
    token = re.search(r"/invitations/#([\w-]+)", body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        ok = Api().post("/auth/invitations/accept", {"token": token, "password": PASSWORD})
    assert ok.status_code == 200
    assert teacher_api.get(f"/schools/{personas.school_a.id}/pupils").status_code == 200
