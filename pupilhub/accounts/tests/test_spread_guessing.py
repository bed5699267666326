"""Issue 29, M-5 and M-3: guesses spread over many addresses slow the account's checks
progressively (never a hard refusal for the person's known browser or an API client
holding its device credential); the owner is emailed at most once an hour."""

from django.core import mail
from django.test import Client

from pupilhub.accounts import signin
from pupilhub.testing import PASSWORD


def _token(ip, password, device=None, email="teacher@a.example.org", otp=None):
    body = {"email": email, "password": password}
    if device:
        body["device"] = device
    if otp:
        body["otp"] = otp
    return Client(REMOTE_ADDR=ip).post("/api/v1/auth/token", body, content_type="application/json")


def test_guesses_from_many_addresses_are_slowed_and_the_owner_told_once(
    personas, django_capture_on_commit_callbacks
):
    first = _token("10.0.0.1", PASSWORD)
    assert first.status_code == 200
    device = first.json()["device"]
    assert device
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            _token(f"10.1.0.{i}", "wrong guess here").status_code
            for i in range(signin.ACCOUNT_FREE)
        ]
    assert answers == [400] * signin.ACCOUNT_FREE  # each address well under its own limit
    slowed = _token("10.2.0.1", "another wrong one")
    assert slowed.status_code == 429 and int(slowed["Retry-After"]) >= 1
    # Even the right password waits, from a client the account has never seen ...
    assert _token("10.2.0.2", PASSWORD).status_code == 429
    # ... but never the person's own API client, nor their known browser.
    assert _token("10.2.0.3", PASSWORD, device=device).status_code == 200
    alerts = [m for m in mail.outbox if m.subject == "Failed sign-ins to your pupilhub account"]
    assert [m.to for m in alerts] == [["teacher@a.example.org"]]
    assert "wrong guess" not in alerts[0].body


def test_the_delay_grows_with_each_failure(personas, monkeypatch):
    clock = {"t": 1_800_000_000.0}
    monkeypatch.setattr(signin.time, "time", lambda: clock["t"])
    monkeypatch.setattr(signin.throttle, "_now", lambda: clock["t"])
    for i in range(signin.ACCOUNT_FREE):
        _token(f"10.3.0.{i}", "wrong guess here")
    waits = []
    for i in range(4):
        waits.append(signin.account_delay("teacher@a.example.org"))
        clock["t"] += waits[-1]
        assert _token(f"10.4.0.{i}", "wrong guess here").status_code == 400
    assert waits == [1, 2, 4, 8]


def test_a_credential_for_another_account_or_a_forged_one_earns_nothing(personas):
    other = _token("10.0.0.9", PASSWORD, email="senco@a.example.org")
    for i in range(signin.ACCOUNT_FREE):
        _token(f"10.5.0.{i}", "wrong guess here")
    forged = other.json()["device"]
    assert _token("10.6.0.1", PASSWORD, device=forged).status_code == 429
    assert _token("10.6.0.2", PASSWORD, device="not-a-credential").status_code == 429
