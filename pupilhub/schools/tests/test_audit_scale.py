"""Issue 33, item 1: the audit log paged with OFFSET and counted every row. Lists page by
keyset (the same cost on page 1 and page 10,000), the filters each have an index
(checked with EXPLAIN on PostgreSQL), and the page says "more than 10,000" rather than
counting a long history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from pupilhub.core.models import AuditEvent
from pupilhub.schools import audit_log
from pupilhub.schools.access import staff_access


def _events(personas, n):
    now = timezone.now()
    rows = [
        AuditEvent(
            school=personas.school_a,
            actor=personas.teacher if i % 2 else personas.admin,
            actor_kind="staff",
            action="pupil.viewed" if i % 3 else "plan.updated",
            safeguarding=i % 7 == 0,
            object_type="pupil",
            object_id=str(personas.pupil.pk),
            pupil=str(personas.pupil.pk),
            # ties on purpose: many events share a moment, the id orders them
            at=now - timedelta(seconds=i // 4),
        )
        for i in range(n)
    ]
    AuditEvent.objects.bulk_create(rows)


def test_every_event_is_listed_once_across_keyset_pages(personas):
    before = AuditEvent.objects.filter(school=personas.school_a).count()
    _events(personas, 250)
    api = personas.api("main_admin")
    url = f"/schools/{personas.school_a.id}/audit-events"
    seen = []
    pages = 0
    while url:
        body = api.get(url.split("/api/v1", 1)[-1]).json()
        seen += [(e["at"], e["action"], e["object_id"]) for e in body["items"]]
        url = body["next"]
        pages += 1
        assert "page=" not in (url or "")  # an opaque cursor, never a page number
    total = AuditEvent.objects.filter(school=personas.school_a).count()
    assert pages == -(-total // 50) and len(seen) == total >= before + 250
    times = [s[0] for s in seen]
    assert times == sorted(times, reverse=True)


def test_a_forged_cursor_is_a_clear_400(personas):
    r = personas.api("main_admin").get(f"/schools/{personas.school_a.id}/audit-events?cursor=abc")
    assert r.status_code == 400 and "cursor" in r.json()["error"]["fields"]


def test_the_audit_page_says_more_than_the_cap_instead_of_counting(personas, monkeypatch):
    from pupilhub.schools import views

    monkeypatch.setattr(views, "AUDIT_COUNT_CAP", 100)
    _events(personas, 150)
    html = personas.web("main_admin").get(f"/schools/{personas.school_a.id}/audit/").content
    assert "more than 100 events" in html.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
@pytest.mark.parametrize(
    ("who", "filters", "index"),
    [
        ("main_admin", {"actor": "teacher"}, "audit_actor_idx"),
        ("main_admin", {"action": "plan."}, "audit_action_idx"),
        ("admin", {}, "audit_plain_idx"),  # may not see safeguarding
        ("main_admin", {"pupil": "pupil"}, "audit_pupil_idx"),
    ],
)
def test_each_filter_reads_its_index(personas, who, filters, index):
    import uuid

    # A realistic spread: two schools, many pupils and actors, a few of each kind of event.
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                school=personas.school_a if i % 2 else personas.school_b,
                actor=personas.teacher if i % 40 == 1 else personas.admin_b,
                actor_kind="staff",
                action="plan.updated" if i % 40 == 3 else f"pupil.viewed{i % 5}",
                safeguarding=i % 9 == 0,
                object_type="pupil",
                object_id=str(uuid.uuid4()),
                pupil=str(personas.pupil.pk) if i % 40 == 5 else str(uuid.uuid4()),
                at=now - timedelta(seconds=i),
            )
            for i in range(6000)
        ]
    )
    user = getattr(personas, who)
    access = staff_access(user, personas.school_a.id)
    if filters.get("actor") == "teacher":
        filters = {"actor": str(personas.teacher.pk)}
    if filters.get("pupil") == "pupil":
        filters = {"pupil": str(personas.pupil.pk)}
    found = audit_log.events(access, audit_log.Filters(**filters))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_auditevent")
        # Table statistics of a small test table: tell the planner what a long history
        # makes true (a scan of everything, or a sort of the school's rows, is dear).
        cursor.execute("SET LOCAL enable_seqscan = off")
        if index != "audit_action_idx":  # a prefix spans actions: its rows are sorted after
            cursor.execute("SET LOCAL enable_sort = off")
    plan = found[:100].explain()
    assert index in plan, plan
