"""Mail is re-checked when the dispatcher claims it (issue 15): a parent the school denied
(a court order, say), unlinked from the pupil, or whose account is gone gets nothing, and
a deleted account leaves no address behind."""

from django.test import RequestFactory

from pupilhub.accounts import actions as account_actions
from pupilhub.gateway.models import ExternalDenial, ExternalLink, LicenceType
from pupilhub.messaging import dispatch
from pupilhub.messaging.models import Delivery
from pupilhub.testing import make_pupil

from .conftest import family


def _queue(personas, **extra):
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    body = {
        "subject": "Sports day",
        "html_body": "<p>Dear {{ pupil_first_name }}'s family</p>",
        "year_groups": [8],
        "licence_types": [str(parent.id)],
    }
    body.update(extra)
    r = personas.api("admin").post(f"/schools/{personas.school_a.id}/messages", body)
    assert r.status_code == 202, r.content
    return r.json()


def _status(personas, message_id):
    path = f"/schools/{personas.school_a.id}/messages/{message_id}"
    return personas.api("admin").get(path).json()


def test_a_parent_denied_after_queueing_gets_no_mail_while_a_linked_parent_does(
    personas, smtp_sink
):
    mum = family(personas.school_a, personas.pupil, "mum@example.com")
    family(personas.school_a, personas.pupil, "dad@example.com")
    message = _queue(personas)
    assert message["recipient_count"] == 2
    personas.api("admin").post(f"/schools/{personas.school_a.id}/external-users/{mum.id}/deny")

    result = dispatch.dispatch()

    assert [e.rcpt_tos for e in smtp_sink.envelopes] == [["dad@example.com"]]
    assert result["sent"] == 1 and result["cancelled"] == 1
    status = _status(personas, message["id"])
    assert (status["sent"], status["cancelled"], status["failed"]) == (1, 1, 0)
    assert status["status"] == "sent"
    cancelled = Delivery.objects.get(user=mum)
    assert cancelled.status == "cancelled" and cancelled.email == ""  # nothing kept to send


def test_a_parent_unlinked_after_queueing_gets_no_mail(personas, smtp_sink):
    mum = family(personas.school_a, personas.pupil, "mum@example.com")
    message = _queue(personas)
    ExternalLink.objects.filter(user=mum).delete()

    assert dispatch.dispatch()["cancelled"] == 1
    assert smtp_sink.envelopes == []
    assert _status(personas, message["id"])["cancelled"] == 1


def test_unlinked_from_one_child_the_mail_names_only_the_other(personas, smtp_sink):
    sibling = make_pupil(personas.school_a, first_name="Amelia", year_group=8)
    mum = family(personas.school_a, personas.pupil, "mum@example.com")
    family(personas.school_a, sibling, "mum@example.com")
    _queue(personas, html_body="<p>About {{ pupil_first_name }}</p>")
    ExternalLink.objects.filter(user=mum, pupil=personas.pupil).delete()

    assert dispatch.dispatch()["sent"] == 1
    text = smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert "About Amelia" in text and "Zebedee" not in text


def test_a_restored_parent_is_mailed_again(personas, smtp_sink):
    mum = family(personas.school_a, personas.pupil, "mum@example.com")
    ExternalDenial.objects.create(school=personas.school_a, user=mum)
    ExternalDenial.objects.filter(user=mum).delete()
    _queue(personas)
    assert dispatch.dispatch()["sent"] == 1


def test_account_deletion_leaves_no_address_in_any_delivery(personas, smtp_sink):
    mum = family(personas.school_a, personas.pupil, "mum@example.com")
    family(personas.school_a, personas.pupil, "dad@example.com")
    _queue(personas)
    dispatch.dispatch()  # one message already sent to mum
    _queue(personas)  # and one still queued
    assert Delivery.objects.filter(email="mum@example.com").count() == 2

    request = RequestFactory().post("/account/")
    account_actions.do_delete_account(request, mum, "a long family passphrase")

    assert not Delivery.objects.filter(email__iexact="mum@example.com").exists()
    orphans = Delivery.objects.filter(user=None)
    assert sorted(orphans.values_list("status", flat=True)) == ["cancelled", "sent"]
    assert set(orphans.values_list("email", "pupil_names")) == {("", "")}
    assert dispatch.dispatch() == {"sent": 1, "failed": 0, "retrying": 0, "cancelled": 0}
    assert [e.rcpt_tos for e in smtp_sink.envelopes][-1] == ["dad@example.com"]
