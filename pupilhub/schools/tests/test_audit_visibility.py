"""The audit log keeps the safeguarding-visibility rule and never shows an external address."""

from datetime import date

import pytest
from django.urls import reverse

from pupilhub.core import audit
from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import SafeguardingIssue
from pupilhub.testing import Personas, make_user

pytestmark = pytest.mark.django_db


def _issue(p: Personas) -> SafeguardingIssue:
    r = p.api("senco").post(
        f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/safeguarding-issues",
        {"date": "2026-09-01", "category": "neglect", "description": "Seen hungry"},
    )
    assert r.status_code == 201, r.content
    return SafeguardingIssue.objects.get(pk=r.json()["id"])


def test_an_admin_who_is_not_a_lead_sees_no_safeguarding_event_in_the_audit_log(personas):
    issue = _issue(personas)
    url = reverse("schools:audit", args=[personas.school_a.id])
    as_admin = personas.web("admin").get(url, {"page": 1})
    assert as_admin.status_code == 200
    text = as_admin.content.decode()
    assert "safeguarding" not in text.lower()
    assert str(issue.pk)[:8] not in text
    as_head = personas.web("main_admin").get(url).content.decode()
    assert "Raised a safeguarding concern" in as_head


def test_the_audit_log_names_an_external_user_by_id_never_by_address(personas):
    parent = make_user("mum@example.com")
    with_staff = AuditEvent.objects.count()
    audit.record(parent, "gateway.pupil_linked", personas.pupil, school=personas.school_a)
    assert AuditEvent.objects.count() == with_staff + 1
    page = personas.web("main_admin").get(reverse("schools:audit", args=[personas.school_a.id]))
    text = page.content.decode()
    assert "mum@example.com" not in text
    assert f"A family or agency account (ref. {str(parent.pk)[:8]})" in text


def test_a_staff_actor_is_still_named(personas):
    audit.record(personas.teacher, "pupil.updated", personas.pupil)
    page = personas.web("main_admin").get(reverse("schools:audit", args=[personas.school_a.id]))
    assert "teacher@a.example.org" in page.content.decode()


def test_adding_a_safeguarding_action_is_one_transaction(personas, monkeypatch):
    """Three writes (the action, the issue's log, the audit row): all or none."""
    from pupilhub.documents import actions
    from pupilhub.documents.models import SafeguardingAction
    from pupilhub.schools.access import staff_access

    issue = SafeguardingIssue.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date=date(2026, 9, 1),
        category="neglect",
        description="x",
    )
    access = staff_access(personas.senco, personas.school_a.id)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit.AuditEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        actions.do_add_safeguarding_action(access, issue, "Called social care")
    assert not SafeguardingAction.objects.filter(issue=issue).exists()
    issue.refresh_from_db()
    assert "Called social care" not in issue.actions_taken


def test_reading_a_pupil_page_with_safeguarding_items_is_audited(personas):
    """Issue 33: one audit row a view. A lead's page view covers the safeguarding list it
    shows, and is flagged, so only those who may see safeguarding see the event."""
    _issue(personas)
    before = AuditEvent.objects.count()
    url = reverse("pupils:detail", args=[personas.school_a.id, personas.pupil.id])
    page = personas.web("senco").get(url)
    assert page.status_code == 200 and "Safeguarding: Neglect" in page.content.decode()
    assert AuditEvent.objects.count() == before + 1
    viewed = AuditEvent.objects.filter(action="pupil.viewed", actor=personas.senco).get()
    assert viewed.safeguarding and viewed.object_id == str(personas.pupil.pk)
    # A teacher's view is one plain event, which every admin sees.
    personas.web("teacher").get(url)
    plain = AuditEvent.objects.filter(action="pupil.viewed", actor=personas.teacher).get()
    assert not plain.safeguarding


def test_listing_a_pupils_documents_with_safeguarding_items_is_audited(personas):
    _issue(personas)
    r = personas.api("senco").get(
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/documents"
    )
    assert r.status_code == 200
    assert "safeguarding_issue" in {i["type"] for i in r.json()["items"]}
    assert AuditEvent.objects.filter(
        action="safeguarding_issue.listed", actor=personas.senco, object_id=str(personas.pupil.pk)
    ).exists()


def test_a_teacher_listing_documents_leaves_no_safeguarding_trace(personas):
    _issue(personas)
    r = personas.api("teacher").get(
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/documents"
    )
    assert r.status_code == 200
    assert "safeguarding_issue" not in {i["type"] for i in r.json()["items"]}
    assert not AuditEvent.objects.filter(
        action="safeguarding_issue.listed", actor=personas.teacher
    ).exists()
