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
            _url(personas), {"leavers_years": 6, "deleted_documents_days": 1, "sent_mail_days": 365}
        )
    assert r.status_code == 200
    body = r.json()
    assert body["leavers_years"] == 25 and body["deleted_documents_days"] == 30
    assert body["sent_mail_days"] == 365  # longer: at once
    effective = timezone.localdate() + timedelta(days=30)
    assert body["pending"] == {
        "values": {"leavers_years": 6, "deleted_documents_days": 1},
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
    assert (policy.leavers_years, policy.deleted_documents_days, policy.pending) == (6, 1, {})


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
    _policy(personas, leavers_years=6)
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


# Issue 31: leavers' records at least 6 years from birth; a change that would remove records
# says how many and when, and waits for the number to be typed back.


@pytest.mark.parametrize("years", [1, 5, "0"])
def test_leavers_cannot_be_kept_under_6_years(personas, years):
    api = personas.api("main_admin")
    r = api.put(_url(personas), {"leavers_years": years})
    assert r.status_code == 400
    assert "6 years" in r.json()["error"]["fields"]["leavers_years"][0]
    assert api.get(_url(personas)).json()["leavers_years"] == 25
    assert api.get(_url(personas)).json()["pending"] is None


def test_six_years_is_allowed(personas):
    r = personas.api("main_admin").put(_url(personas), {"leavers_years": 6})
    assert r.status_code == 200
    assert r.json()["pending"]["values"] == {"leavers_years": 6}


def _old_leavers(personas, ages):
    today = timezone.localdate()
    made = []
    for age in ages:
        leaver = make_pupil(
            personas.school_a, date_of_birth=date(today.year - age, 1, 1), status="archived"
        )
        Pupil.objects.filter(pk=leaver.pk).update(updated_at=timezone.now() - timedelta(days=3000))
        made.append(leaver)
    return made


def _page(personas):
    return f"/schools/{personas.school_a.id}/retention/"


def _form(**changes):
    form = {
        "deleted_documents_days": "30",
        "print_runs_days": "30",
        "sent_mail_days": "90",
        "leavers_years": "25",
    }
    return {**form, **changes}


def test_the_page_refuses_under_6_years_with_the_field_named(personas):
    r = personas.web("main_admin").post(_page(personas), _form(leavers_years="1"))
    assert r.status_code == 400
    page = r.content.decode()
    assert "There is a problem" in page and "At least 6 years" in page
    assert 'href="#id_leavers_years"' in page  # the summary links to the field


def test_a_change_that_would_remove_records_says_how_many_and_waits_for_the_number(personas):
    _old_leavers(personas, [19, 20, 30])  # 30: already past 25, due whatever
    web = personas.web("main_admin")
    r = web.post(_page(personas), _form(leavers_years="18"))
    assert r.status_code == 200
    page = r.content.decode()
    assert "This would remove the records of 2 leavers for good" in page
    on = timezone.localdate() + timedelta(days=60)
    assert f"{on.day} {on:%B %Y}" in page
    assert RetentionPolicy.objects.filter(school=personas.school_a).first() is None  # unsaved
    wrong = web.post(_page(personas), _form(leavers_years="18", confirm="3"))
    assert wrong.status_code == 400 and "Type 2 to remove" in wrong.content.decode()
    assert RetentionPolicy.objects.filter(school=personas.school_a).first() is None
    done = web.post(_page(personas), _form(leavers_years="18", confirm="2"))
    assert done.status_code == 302
    policy = RetentionPolicy.objects.get(school=personas.school_a)
    assert policy.pending == {"leavers_years": 18}


def test_a_change_that_removes_nobody_needs_no_confirmation(personas):
    _old_leavers(personas, [10])
    r = personas.web("main_admin").post(_page(personas), _form(leavers_years="18"))
    assert r.status_code == 302
    assert RetentionPolicy.objects.get(school=personas.school_a).pending == {"leavers_years": 18}
