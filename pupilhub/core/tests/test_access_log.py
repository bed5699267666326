"""A single-use link's token never reaches the access log."""

from pupilhub.core.access_log import redact


def test_tokens_in_paths_are_logged_as_placeholders():
    assert redact("/child-protection-file/abc123XYZ") == "/child-protection-file/[token]"
    assert redact("/child-protection-file/abc/pdf") == "/child-protection-file/[token]/pdf"
    assert redact("/reset-password/tok-en_1") == "/reset-password/[token]"
    assert redact("/schools/1/pupils/") == "/schools/1/pupils/"


def test_gunicorn_uses_the_redacting_logger():
    import importlib

    settings = importlib.import_module("config.gunicorn")
    assert settings.logger_class == "pupilhub.core.access_log.RedactingLogger"


def test_any_token_like_segment_or_query_value_is_masked_but_ids_stay():
    assert redact("/reset-password/new/") == "/reset-password/new/"
    assert redact("/x/AbCdEfGhIjKlMnOpQrStUv_-12/y") == "/x/[token]/y"
    assert redact("/x?token=AbCdEfGhIjKlMnOpQrStUv12&a=1") == "/x?token=[token]&a=1"
    uuid = "3f2b8c1e-9a4d-4e2b-8f6a-1c2d3e4f5a6b"
    assert redact(f"/schools/{uuid}/pupils/") == f"/schools/{uuid}/pupils/"


class RecordingClient:
    """A test client that keeps every request line a server would log (path and query:
    a browser never sends what follows "#")."""

    def __init__(self):
        from django.test import Client

        self.lines = []
        outer = self

        class _Client(Client):
            def request(self, **request):
                query = request.get("QUERY_STRING", "")
                outer.lines.append(request["PATH_INFO"] + (f"?{query}" if query else ""))
                return super().request(**request)

        self.client = _Client()

    def follow(self, link):
        """What a browser requests for an emailed link."""
        from urllib.parse import urlsplit

        parts = urlsplit(link)
        return self.client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def _links(outbox):
    import re

    found = []
    for message in outbox:
        found += re.findall(r"https?://\S+", message.body)
    return found


def _tokens(outbox):
    import re

    found = set()
    for message in outbox:
        found |= set(re.findall(r"#([\w-]{20,})", message.body))
    return found


def test_a_full_identity_flow_leaves_no_token_in_any_request_line(
    personas, django_capture_on_commit_callbacks, monkeypatch
):
    """Invitation, reset, email change and second-factor set-up, through the pages: every
    token issued is grepped for in every request line, raw and as logged."""
    import pyotp
    from django.core import mail

    from pupilhub.accounts import mfa
    from pupilhub.core.access_log import redact_line
    from pupilhub.testing import PASSWORD

    monkeypatch.setattr(mfa, "now", lambda: 1_800_000_000.0)
    capture = django_capture_on_commit_callbacks
    browser = RecordingClient()
    web = browser.client
    # An invitation, accepted through the landing page.
    with capture(execute=True):
        personas.api("main_admin").post(
            f"/schools/{personas.school_a.id}/staff",
            {"email": "new.lead@a.example.org", "first_name": "N", "surname": "L"},
        )
    invitation = [m for m in mail.outbox if m.to == ["new.lead@a.example.org"]][-1]
    (token,) = _tokens([invitation])
    assert browser.follow(_links([invitation])[0]).status_code == 200
    shown = web.post("/invitations/", {"stage": "link", "token": token})
    assert b"Join School A" in shown.content or shown.status_code == 200
    accepted = web.post("/invitations/", {"token": token, "password": "a long new passphrase"})
    assert accepted.status_code == 302
    # A password reset.
    with capture(execute=True):
        web.post("/reset-password/", {"email": "teacher@a.example.org"})
    reset = [m for m in mail.outbox if m.to == ["teacher@a.example.org"]][-1]
    (token,) = _tokens([reset])
    assert browser.follow(_links([reset])[0]).status_code == 200
    form = web.post("/reset-password/new/", {"stage": "link", "token": token})
    assert form.status_code == 200 and token.encode() in form.content  # in the form body only
    done = web.post("/reset-password/new/", {"token": token, "new_password": PASSWORD + "x"})
    assert done.status_code == 302
    # A promotion: the second factor is set up from its link.
    membership = personas.teacher.memberships.get(school=personas.school_a)
    with capture(execute=True):
        personas.api("main_admin").patch(
            f"/schools/{personas.school_a.id}/staff/{membership.id}", {"safeguarding_lead": True}
        )
    enrol = [m for m in mail.outbox if "/second-factor/setup/" in m.body][-1]
    (token,) = _tokens([enrol])
    assert browser.follow(_links([enrol])[0]).status_code == 200
    signed = web.post("/second-factor/setup/", {"token": token, "password": PASSWORD + "x"})
    assert signed.status_code == 302
    secret = mfa.pending_device(personas.teacher).secret
    web.post("/account/security/", {"code": pyotp.TOTP(secret).at(1_800_000_000)})

    issued = _tokens(mail.outbox)
    assert len(issued) >= 3
    assert browser.lines
    for line in browser.lines:
        logged = redact_line(f"GET {line} HTTP/1.1")
        for token in issued:
            assert token not in line, line
            assert token not in logged, logged
