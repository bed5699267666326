"""Issue 31, item 3: a parent with a child at a second school went round in a loop. Signed
in, the second school's registration address adds the pupil to the account; "Add a pupil"
takes any school's pupil ID and key; registering again with the same address adds the
pupil once the address's owner uses the emailed link."""

from django.core import mail
from django.test import Client

from pupilhub.gateway.models import ExternalLink, PendingLink
from pupilhub.testing import Api

from .conftest import NEW_PASSWORD, keys_for, parent_api, register, token_from_mail


def _second_key(personas):
    return keys_for(personas.api("admin_b"), personas.school_b, [personas.pupil_b])[0]


def _schools(api):
    return sorted(item["school"]["name"] for item in api.get("/me/pupils").json()["items"])


def test_registering_again_adds_the_pupil_once_the_link_is_used(
    personas, registered_parent, django_capture_on_commit_callbacks
):
    api, _link, _row = registered_parent
    row = _second_key(personas)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = register(personas.school_b, row, email="Parent@Example.com", password="whatever else 1")
    assert r.status_code == 201
    assert r.json()["status"] == "verification_sent"  # the answer a new address gets
    assert _schools(api) == ["School A"]  # nothing added before the owner confirms
    [message] = mail.outbox
    assert message.to == ["parent@example.com"]
    assert personas.pupil_b.first_name not in message.body  # no child's name to a typed address
    token = token_from_mail(message)
    assert Api().post("/gateway/verify-email", {"token": token}).status_code == 200
    assert _schools(api) == ["School A", "School B"]
    assert not PendingLink.objects.exists()
    # The link works once.
    assert Api().post("/gateway/verify-email", {"token": token}).status_code == 400


def test_the_same_pupil_registered_twice_sends_one_mail_and_adds_one_link(
    personas, registered_parent, django_capture_on_commit_callbacks
):
    _api, _link, _row = registered_parent
    row = _second_key(personas)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        register(personas.school_b, row)
        register(personas.school_b, row)
    assert len(mail.outbox) == 1
    Api().post("/gateway/verify-email", {"token": token_from_mail(mail.outbox[0])})
    assert ExternalLink.objects.filter(pupil=personas.pupil_b).count() == 1


def test_a_key_revoked_before_the_link_is_used_adds_nothing(
    personas, registered_parent, django_capture_on_commit_callbacks
):
    api, _link, _row = registered_parent
    row = _second_key(personas)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        register(personas.school_b, row)
    from pupilhub.gateway.models import LicenceType

    parent_type = LicenceType.objects.get(school=personas.school_b, kind="parent")
    revoked = personas.api("admin_b").post(
        f"/schools/{personas.school_b.id}/licence-keys/revoke",
        {"pupil": str(personas.pupil_b.id), "licence_type": str(parent_type.id)},
    )
    assert revoked.status_code == 200
    Api().post("/gateway/verify-email", {"token": token_from_mail(mail.outbox[0])})
    assert _schools(api) == ["School A"]


def test_add_a_pupil_takes_any_schools_key_without_naming_the_school(personas, registered_parent):
    api, _link, _row = registered_parent
    row = _second_key(personas)
    r = api.post("/me/pupils", {"pupil_id": row["pupil_id"], "licence_key": row["licence_key"]})
    assert r.status_code == 201, r.content
    assert r.json()["school"]["name"] == "School B"
    assert _schools(api) == ["School A", "School B"]


def test_a_wrong_key_without_a_school_gets_the_one_answer(personas, registered_parent):
    api, _link, row = registered_parent
    from pupilhub.gateway.keys import check_symbol

    body = "7" * 16
    r = api.post(
        "/me/pupils", {"pupil_id": row["pupil_id"], "licence_key": body + check_symbol(body)}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_licence"
    # The right key with another pupil's ID: the same answer.
    other = _second_key(personas)
    r = api.post("/me/pupils", {"pupil_id": row["pupil_id"], "licence_key": other["licence_key"]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_licence"


def test_signed_in_the_registration_address_offers_adding_the_pupil(personas, registered_parent):
    row = _second_key(personas)
    web = Client()
    assert (
        web.post("/login/", {"email": "parent@example.com", "password": NEW_PASSWORD}).status_code
        == 302
    )
    r = web.get(f"/gateway/{personas.school_b.id}/register/", follow=True)
    page = r.content.decode()
    assert "Add this pupil to your account" in page and "School B" in page
    assert 'name="password"' not in page  # no new-account form
    done = web.post(
        f"/my/add/?school={personas.school_b.id}",
        {
            "school": str(personas.school_b.id),
            "pupil_id": row["pupil_id"],
            "licence_key": row["licence_key"],
        },
    )
    assert done.status_code == 302
    assert _schools(parent_api("parent@example.com")) == ["School A", "School B"]


def test_the_add_a_pupil_page_works_with_any_school(personas, registered_parent):
    row = _second_key(personas)
    web = Client()
    web.post("/login/", {"email": "parent@example.com", "password": NEW_PASSWORD})
    done = web.post(
        "/my/add/", {"school": "", "pupil_id": row["pupil_id"], "licence_key": row["licence_key"]}
    )
    assert done.status_code == 302, done.content.decode()[:500]
    assert _schools(parent_api("parent@example.com")) == ["School A", "School B"]
