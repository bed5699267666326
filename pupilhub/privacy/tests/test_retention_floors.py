"""Issue 29, M-4: safeguarding outlives a hasty retention change. A shorter policy waits
30 days (every lead and the head told at once, the change visible); floors hold whatever
the policy: 25 years from birth for a leaver with safeguarding records, 6 years for other
leavers, 30 days for a deleted safeguarding record."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pupilhub.documents.models import MeetingLog, SafeguardingIssue
from pupilhub.privacy import purge
from pupilhub.privacy.models import RetentionPolicy
from pupilhub.pupils.models import Pupil
from pupilhub.testing import make_pupil


def _url(personas):
    return f"/schools/{personas.school_a.id}/retention"


def test_a_shorter_policy_waits_30_days_and_leads_are_told_at_once(
    personas, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        r = personas.api("main_admin").put(
            _url(personas), {"leavers_years": 1, "deleted_documents_days": 1, "sent_mail_days": 365}
        )
    assert r.status_code == 200
    body = r.json()
    assert body["leavers_years"] == 25 and body["deleted_documents_days"] == 30
    assert body["sent_mail_days"] == 365  # longer: at once
    effective = timezone.localdate() + timedelta(days=30)
    assert body["pending"] == {
        "values": {"leavers_years": 1, "deleted_documents_days": 1},
        "effective_on": effective.isoformat(),
    }
    told = {m.to[0] for m in mailoutbox if "kept for less time" in m.subject}
    assert told == {personas.main_admin.email, personas.senco.email}
    # The lead sees the pending change; a teacher and another school do not.
    assert personas.api("senco").get(_url(personas)).json()["pending"] == body["pending"]
    assert personas.api("teacher").get(_url(personas)).status_code == 403
    assert personas.api("admin_b").get(_url(personas)).status_code == 404
    # Tonight nothing shortens; after 30 days it does.
    purge.purge_all()
    assert RetentionPolicy.objects.get(school=personas.school_a).leavers_years == 25
    purge.purge_all(now=timezone.now() + timedelta(days=31))
    policy = RetentionPolicy.objects.get(school=personas.school_a)
    assert (policy.leavers_years, policy.deleted_documents_days, policy.pending) == (1, 1, {})


def test_setting_the_old_value_back_cancels_the_pending_shortening(personas):
    api = personas.api("main_admin")
    api.put(_url(personas), {"print_runs_days": 2})
    back = api.put(_url(personas), {"print_runs_days": 30})
    assert back.json()["pending"] is None and back.json()["print_runs_days"] == 30


def _policy(personas, **values):
    RetentionPolicy.objects.update_or_create(school=personas.school_a, defaults=values)


def test_a_deleted_safeguarding_record_is_kept_30_days_whatever_the_policy(personas):
    _policy(personas, deleted_documents_days=1)
    today = timezone.localdate()
    issue = SafeguardingIssue.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date=today,
        category="Neglect",
        description="x",
        deleted_at=timezone.now() - timedelta(days=2),
    )
    meeting = MeetingLog.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date=today,
        meeting_type="parent_meeting",
        deleted_at=timezone.now() - timedelta(days=2),
    )
    purge.purge_all()
    assert SafeguardingIssue.objects.filter(pk=issue.pk).exists()
    assert not MeetingLog.objects.filter(pk=meeting.pk).exists()
    purge.purge_all(now=timezone.now() + timedelta(days=29))
    assert not SafeguardingIssue.objects.filter(pk=issue.pk).exists()


@pytest.mark.parametrize(
    ("age_years", "concern", "left_years_ago", "purged"),
    [
        (20, True, 7, False),  # safeguarding: kept until 25 whatever the policy
        (26, True, 7, True),
        (20, False, 1, False),  # a recent leaver: kept 6 years
        (20, False, 7, True),
    ],
)
def test_leaver_floors(personas, age_years, concern, left_years_ago, purged):
    _policy(personas, leavers_years=1)
    today = timezone.localdate()
    leaver = make_pupil(
        personas.school_a, date_of_birth=date(today.year - age_years, 1, 1), status="archived"
    )
    Pupil.objects.filter(pk=leaver.pk).update(
        updated_at=timezone.now() - timedelta(days=365 * left_years_ago)
    )
    if concern:
        SafeguardingIssue.objects.create(
            school=personas.school_a,
            pupil=leaver,
            date=today,
            category="Neglect",
            description="x",
        )
    purge.purge_all()
    purge.purge_all(now=timezone.now() + timedelta(days=31))
    assert Pupil.objects.filter(pk=leaver.pk).exists() is not purged
