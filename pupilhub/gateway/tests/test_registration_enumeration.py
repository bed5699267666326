"""Issue 29, M-6 and L-1/L-11: registration does the same work for a registered address as
for a new one, "you already have an account" goes at most once an hour, and only wrong
pairs count towards a pupil's limit."""

from django.contrib.auth import hashers
from django.core import mail
from django.test import Client

from pupilhub.gateway import families
from pupilhub.gateway.tests.conftest import keys_for, register


def test_a_registered_address_costs_a_password_hash_like_a_new_one(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    real = hashers.make_password
    monkeypatch.setattr(families, "make_password", lambda p: calls.append(p) or real(p))
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert register(personas.school_a, row, email="teacher@a.example.org").status_code == 201
        assert register(personas.school_a, row, email="teacher@a.example.org").status_code == 201
    assert len(calls) == 2
    told = [m for m in mail.outbox if m.to == ["teacher@a.example.org"]]
    assert len(told) == 1  # at most once an hour


def test_other_peoples_wrong_keys_never_block_the_family_with_the_right_one(personas):
    from pupilhub.testing import make_pupil

    other = make_pupil(personas.school_a)
    row, wrong = keys_for(personas.api("admin"), personas.school_a, [personas.pupil, other])
    for i in range(10):
        Client(REMOTE_ADDR=f"10.8.0.{i}").post(
            f"/api/v1/gateway/{personas.school_a.id}/register",
            {
                "email": f"guess{i}@example.com",
                "password": "a long new passphrase",
                "pupil_id": row["pupil_id"],
                "licence_key": wrong["licence_key"],
            },
            content_type="application/json",
        )
    blocked = Client(REMOTE_ADDR="10.8.1.1").post(
        f"/api/v1/gateway/{personas.school_a.id}/register",
        {
            "email": "guess99@example.com",
            "password": "a long new passphrase",
            "pupil_id": row["pupil_id"],
            "licence_key": wrong["licence_key"],
        },
        content_type="application/json",
    )
    assert blocked.status_code == 429  # the pupil's limit: wrong pairs from everywhere
    assert register(personas.school_a, row, email="real.parent@example.com").status_code == 201
