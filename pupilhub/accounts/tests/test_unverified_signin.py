"""Issue 17: signing in before verifying said "Email or password is incorrect". The page
now tells the person who gave the right password how to verify, and sends a new link;
the API keeps its one answer, and a wrong password learns nothing."""

from django.core import mail

from pupilhub.testing import PASSWORD, Api, make_user


def test_the_right_password_on_an_unverified_account_says_how_to_verify(db, client):
    make_user("new@example.com", email_verified_at=None)
    r = client.post("/login/", {"email": "new@example.com", "password": PASSWORD})
    page = r.content.decode()
    assert r.status_code == 200  # as every other refused sign-in on the page
    assert "Verify your email address first" in page and "Send the link again" in page
    mail.outbox.clear()
    done = client.post("/login/resend-verification/")
    assert done.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert "/verify-email/" in mail.outbox[0].body
    # The marker is used up: posting again sends nothing more.
    client.post("/login/resend-verification/")
    assert len(mail.outbox) == 1


def test_a_wrong_password_or_the_api_learns_nothing(db, client):
    make_user("new@example.com", email_verified_at=None)
    wrong = client.post("/login/", {"email": "new@example.com", "password": "not it at all"})
    assert "Verify your email" not in wrong.content.decode()
    assert "Email or password is incorrect" in wrong.content.decode()
    r = Api().post("/auth/token", {"email": "new@example.com", "password": PASSWORD})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_credentials"
    mail.outbox.clear()
    assert client.post("/login/resend-verification/").status_code == 302
    assert mail.outbox == []  # no proof of the password, no email
