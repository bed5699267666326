"""Issue 27: the trial limit and one live key a pupil hold under races; a double-submitted
registration answers as any registration does."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from pupilhub.accounts.models import User
from pupilhub.gateway import licences
from pupilhub.gateway.models import LicenceKey, LicenceType
from pupilhub.schools.access import staff_access
from pupilhub.testing import make_pupil


def test_the_database_refuses_a_second_live_key_for_one_pupil_and_type(personas):
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    LicenceKey.objects.create(
        school=personas.school_a, pupil=personas.pupil, licence_type=lt, key_hash="a" * 64
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LicenceKey.objects.create(
            school=personas.school_a, pupil=personas.pupil, licence_type=lt, key_hash="b" * 64
        )


def test_a_pupil_named_twice_gets_one_key(personas):
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    access = staff_access(personas.admin, personas.school_a.id)
    issued = licences.do_generate_keys(access, lt, [personas.pupil, personas.pupil])
    assert len(issued) == 1
    assert LicenceKey.objects.filter(pupil=personas.pupil, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_at_once_never_pass_the_trial_limit(personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency are exercised on PostgreSQL")
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    groups = [[make_pupil(personas.school_a) for _ in range(5)] for _ in range(2)]
    results = []

    def generate(user, pupils):
        try:
            access = staff_access(user, personas.school_a.id)
            results.append(len(licences.do_generate_keys(access, lt, pupils)))
        except Exception as exc:
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=generate, args=(who, pupils))
        for who, pupils in zip((personas.admin, personas.main_admin), groups, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results)) == ["5", "Conflict"]
    assert LicenceKey.objects.filter(licence_type=lt, revoked_at__isnull=True).count() == 5


def test_a_double_submitted_registration_answers_as_any_other(personas, monkeypatch, caplog):
    from pupilhub.gateway import families

    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    access = staff_access(personas.admin, personas.school_a.id)
    [(pupil, key)] = licences.do_generate_keys(access, lt, [personas.pupil])
    body = {
        "email": "twice@example.com",
        "password": "a long family passphrase",
        "pupil_id": pupil.pupil_id,
        "licence_key": key,
    }
    url = f"/gateway/{personas.school_a.id}/register"
    assert personas.api(None).post(url, body).status_code == 201
    # The second request looked the address up before the first one's account existed.
    monkeypatch.setattr(families.User.objects, "by_email", lambda email: None)
    again = personas.api(None).post(url, body)
    assert again.status_code == 201
    assert User.objects.filter(email="twice@example.com").count() == 1
    assert "twice@example.com" not in caplog.text
