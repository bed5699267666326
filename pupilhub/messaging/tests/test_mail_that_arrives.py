"""Mail that arrives (issue 30), read back from a real SMTP sink: the headers bulk mail
needs, one-click unsubscribe (RFC 8058) stopping the next message, opting out and back in
from the account and the API, and bounces and complaints from the provider's webhook."""

import json
import re
from typing import Any

import pytest
from django.test import Client

from pupilhub.gateway.models import LicenceType
from pupilhub.messaging import dispatch
from pupilhub.messaging.models import Delivery, MailOptOut, SuppressedAddress
from pupilhub.testing import Api

from .conftest import family

pytestmark = pytest.mark.django_db


def _queue(personas: Any) -> Any:
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    body = {
        "subject": "Trip on Friday",
        "html_body": "<p>Bring a coat.</p>",
        "pupils": [str(personas.pupil.id)],
        "licence_types": [str(parent.id)],
    }
    r = personas.api("admin").post(f"/schools/{personas.school_a.id}/messages", body)
    assert r.status_code == 202, r.content
    return r.json()


def _link(message: Any) -> str:
    header = message["List-Unsubscribe"]
    found = re.search(r"<(https?://[^>]+/unsubscribe/[^>]+)>", header)
    assert found, header
    return "/" + found.group(1).split("/", 3)[3]


def test_mass_mail_carries_one_click_unsubscribe_and_it_stops_the_next(
    personas: Any, smtp_sink: Any, settings: Any
) -> None:
    personas.school_a.office_email = "office@school-a.example.org"
    personas.school_a.save(update_fields=["office_email"])
    parent = family(personas.school_a, personas.pupil, "mum@example.com")
    _queue(personas)
    assert dispatch.dispatch()["sent"] == 1
    message = smtp_sink.messages[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "mailto:office@school-a.example.org" in message["List-Unsubscribe"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith(f"@{settings.MAIL_DOMAIN}>")
    link = _link(message)
    assert link in message.get_body(("plain",)).get_content()  # and in the footer

    # The provider's one-click POST: no cookie, no session, no CSRF token.
    anonymous = Client(enforce_csrf_checks=True)
    clicked = anonymous.post(link, {"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200
    assert MailOptOut.objects.filter(user=parent, school=personas.school_a).exists()
    assert anonymous.post(link).status_code == 400  # replayed: nothing changes

    _queue(personas)
    result = dispatch.dispatch()
    assert result["sent"] == 0 and result["cancelled"] == 1
    assert len(smtp_sink.messages) == 1
    assert Delivery.objects.filter(status="cancelled").count() == 1

    undone = Client().post(link + "undo")
    assert undone.status_code == 200 and not MailOptOut.objects.exists()
    _queue(personas)
    assert dispatch.dispatch()["sent"] == 1


def test_a_forged_or_altered_token_is_a_400_and_changes_nothing(personas: Any) -> None:
    family(personas.school_a, personas.pupil, "mum@example.com")
    for token in ("nonsense", "eyJkIjoxLCJzIjoiYSJ9:1abc:forged"):
        r = Client().post(f"/unsubscribe/{token}/")
        assert r.status_code == 400
    assert not MailOptOut.objects.exists()


def test_the_link_opened_in_a_browser_asks_first(personas: Any, smtp_sink: Any) -> None:
    family(personas.school_a, personas.pupil, "mum@example.com")
    _queue(personas)
    dispatch.dispatch()
    page = Client().get(_link(smtp_sink.messages[0]))
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert not MailOptOut.objects.exists()  # a link scanner's GET changes nothing


def test_preferences_through_the_api_and_safety_mail_still_goes(
    personas: Any, smtp_sink: Any
) -> None:
    parent = family(personas.school_a, personas.pupil, "mum@example.com")
    api = Api(parent)
    seen = api.get("/me/preferences").json()
    assert seen["school_mail"] is True and seen["schools"][0]["name"] == personas.school_a.name
    off = api.put("/me/preferences", {"school_mail": False})
    assert off.status_code == 200 and off.json()["school_mail"] is False
    _queue(personas)
    assert dispatch.dispatch()["cancelled"] == 1
    assert api.put("/me/preferences", {"school_mial": True}).status_code == 400  # typo
    on = api.put("/me/preferences", {"school_mail": True, "school": str(personas.school_a.id)})
    assert on.json()["school_mail"] is True
    other = api.put("/me/preferences", {"school_mail": False, "school": str(personas.school_b.id)})
    assert other.status_code == 404
    assert Api().put("/me/preferences", {"school_mail": False}).status_code == 401


def test_the_account_page_changes_the_choice(personas: Any) -> None:
    parent = family(personas.school_a, personas.pupil, "mum@example.com")
    web = Client()
    web.force_login(parent)
    page = web.get("/my/account/").content.decode()
    assert "Email from schools" in page and personas.school_a.name in page
    web.post("/my/account/", {"mail_preferences": "1"})  # every box unticked
    assert MailOptOut.objects.filter(user=parent, school=personas.school_a).exists()


POSTMARK_BOUNCE = {
    "RecordType": "Bounce",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "",
    "MessageID": "",
    "Metadata": {},
    "ServerID": 23,
    "Description": "The server was unable to deliver your message (ex: unknown user).",
    "Details": "Test bounce details",
    "Email": "",
    "From": "no-reply@pupilhub.invalid",
    "BouncedAt": "2026-11-26T16:09:19Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Trip on Friday",
}


@pytest.fixture
def webhook(settings: Any) -> str:
    settings.MAIL_WEBHOOK_SECRET = "hook-secret-0123456789"
    settings.MAIL_PROVIDER = "postmark"
    return "/webhooks/mail/hook-secret-0123456789"


def test_a_hard_bounce_marks_the_delivery_and_stops_mass_mail(
    personas: Any, smtp_sink: Any, webhook: str
) -> None:
    family(personas.school_a, personas.pupil, "gone@example.com")
    queued = _queue(personas)
    dispatch.dispatch()
    mail_id = smtp_sink.messages[0]["Message-ID"].strip("<>")
    event = {**POSTMARK_BOUNCE, "MessageID": mail_id, "Email": "gone@example.com"}
    r = Client().post(webhook, json.dumps(event), content_type="application/json")
    assert r.status_code == 200
    assert Delivery.objects.get().status == "bounced"
    assert SuppressedAddress.objects.count() == 1
    from pupilhub.core.models import AuditEvent

    event = AuditEvent.objects.get(action="mail.bounced")
    assert event.actor_kind == "system" and "gone@" not in str(event.detail)
    assert "gone@example.com" not in str(SuppressedAddress.objects.values())  # a digest only
    shown = personas.api("admin").get(f"/schools/{personas.school_a.id}/messages/{queued['id']}")
    assert shown.json()["bounced"] == 1 and "@" not in shown.content.decode()
    _queue(personas)
    assert dispatch.dispatch()["cancelled"] == 1


def test_a_complaint_suppresses_the_address_too(
    personas: Any, smtp_sink: Any, webhook: str
) -> None:
    family(personas.school_a, personas.pupil, "cross@example.com")
    _queue(personas)
    dispatch.dispatch()
    complaint = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "MessageID": smtp_sink.messages[0]["Message-ID"].strip("<>"),
        "Email": "cross@example.com",
        "BouncedAt": "2026-11-26T16:09:19Z",
        "Metadata": {},
        "Tag": "",
    }
    r = Client().post(webhook, json.dumps(complaint), content_type="application/json")
    assert r.status_code == 200 and Delivery.objects.get().status == "bounced"


def test_the_wrong_secret_is_a_404_and_an_unknown_message_is_ignored(
    personas: Any, webhook: str, caplog: Any
) -> None:
    event = {**POSTMARK_BOUNCE, "MessageID": "nobody-knows", "Email": "x@example.com"}
    wrong = Client().post(
        "/webhooks/mail/not-the-secret", json.dumps(event), content_type="application/json"
    )
    assert wrong.status_code == 404
    with caplog.at_level("INFO", logger="pupilhub.messaging.webhooks"):
        r = Client().post(webhook, json.dumps(event), content_type="application/json")
    assert r.status_code == 200 and not SuppressedAddress.objects.exists()
    assert "does not know" in caplog.text and "x@example.com" not in caplog.text


def test_the_smtp_fast_path_is_the_one_builders_message(personas: Any) -> None:
    """The bytes the dispatcher sends over SMTP are the message `email()` builds, filled in:
    same headers (List-Unsubscribe and Auto-Submitted included), same bodies."""
    import email
    from email import policy

    from pupilhub.messaging.actions import Rendered
    from pupilhub.messaging.models import Message

    school = personas.school_a
    school.name, school.office_email = "École Sainte-Thérèse", "office@a.example.org"
    school.save()
    family(school, personas.pupil, "parent@example.com")
    queued = _queue(personas)
    message = Message.objects.select_related("school").get(pk=queued["id"])
    Message.objects.filter(pk=message.pk).update(
        subject="Trip for {{ pupil_first_name }}",
        html_body="<p>Dear family of {{ pupil_first_name }},</p><p>Bring a coat.</p>",
    )
    message.refresh_from_db()
    delivery = Delivery.objects.get(message=message)
    delivery.pupil_names = "Siân & Zoë"
    rendered = Rendered(message)
    built = rendered.raw(delivery)
    assert built is not None, "the fast path was not taken"
    fast = email.message_from_bytes(built[1], policy=policy.default)
    full = email.message_from_bytes(
        rendered.email(delivery).message().as_bytes(linesep="\r\n"),  # as Django's SMTP sends
        policy=policy.default,
    )
    for name in ("To", "Subject", "From", "Reply-To", "Message-ID", "List-Unsubscribe",
                 "List-Unsubscribe-Post", "Auto-Submitted", "List-Id", "Precedence"):  # fmt: skip
        assert str(fast[name]).strip() == str(full[name]).strip(), name  # folding may differ
    assert str(fast["Subject"]) == "Trip for Siân & Zoë"
    for kind in ("plain", "html"):
        assert fast.get_body((kind,)).get_content() == full.get_body((kind,)).get_content()
    assert "Siân &amp; Zoë" in fast.get_body(("html",)).get_content()
    assert built[0] == full["From"].addresses[0].addr_spec


@pytest.mark.parametrize(
    "subject", ["Trip for Siân", "Ünïcödé " * 20, "日本語のテキスト" * 6, "a" * 40 + "é"]
)
def test_encoded_word_subjects_read_back_exactly(subject: str) -> None:
    from email.header import decode_header, make_header

    from pupilhub.messaging.mime import encoded_words

    encoded = encoded_words(subject)
    assert all(len(line) <= 77 for line in encoded.split("\r\n"))
    assert str(make_header(decode_header(encoded.replace("\r\n", "\n")))) == subject


def test_a_long_letter_still_takes_the_fast_path(personas: Any) -> None:
    from pupilhub.messaging.actions import Rendered
    from pupilhub.messaging.models import Message

    family(personas.school_a, personas.pupil, "parent@example.com")
    queued = _queue(personas)
    paragraphs = "".join(f"<p>Paragraph {i} for {{{{ pupil_first_name }}}}.</p>" for i in range(60))
    Message.objects.filter(pk=queued["id"]).update(html_body=paragraphs)
    message = Message.objects.select_related("school").get(pk=queued["id"])
    assert Rendered(message).raw(Delivery.objects.get(message=message)) is not None
