"""Demo SEN cycle: Northgate runs a reading group for six pupils with a term of sessions and
two reviews a plan; an EHCP pupil's annual review falls due and a Y6 pupil at Oakfield
transfers phase in February; a parent has commented on a plan. SENCos carry the flag."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from pupilhub.demo.builder import NOTES, Demo, step
from pupilhub.documents.models import Plan, Provision
from pupilhub.gateway.models import ExternalLink
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import staff_access
from pupilhub.schools.models import StaffMembership

from . import actions
from .models import EHCP, LibraryItem, PlanComment, Review, TargetScore


def _plan_of(school: Any, pupil: Pupil, today: date) -> Plan:
    found = Plan.objects.filter(pupil=pupil, status="active").first()
    if found:
        return found
    return Plan.objects.create(
        school=school,
        pupil=pupil,
        plan_title=f"Support plan {today.year}",
        start_date=today - timedelta(days=70),
        review_date=today + timedelta(days=21),
        status="active",
        targets=[{"description": "Read 20 high-frequency words"}, {"description": "Ask for help"}],
    )


def _reviews(school: Any, plan: Plan, senco: Any, today: date, rng: Any) -> None:
    """Two reviews, six weeks apart, scores rising a little."""
    for weeks_ago, base in ((10, -1), (4, 0)):
        scores = [max(-2, min(2, base + rng.choice([0, 1]))) for _ in plan.targets or []]
        review = Review.objects.create(
            school=school,
            plan=plan,
            date=today - timedelta(weeks=weeks_ago),
            outcome="continue",
            next_review_date=today + timedelta(days=rng.choice([10, 25, 40])),
            mean_score=sum(scores) / len(scores) if scores else None,
            pupil_views="I like the reading group." if base else "",
            created_by=senco,
        )
        TargetScore.objects.bulk_create(
            TargetScore(review=review, target=i, score=s) for i, s in enumerate(scores)
        )
    Plan.objects.filter(pk=plan.pk).update(status="reviewed", review_date=review.next_review_date)


def _reading_group(demo: Demo, today: date) -> None:
    school = demo.schools["northgate"]
    senco = demo.staff["northgate.senco"]
    access = staff_access(senco, school.pk)
    item = LibraryItem.objects.create(
        school=school,
        name="Reading catch-up group",
        area_of_need="cognition_learning",
        provider="Teaching assistant",
        session_minutes=30,
        sessions_per_week=3,
        group_size=6,
        staff_hourly_rate_pence=1450,
        description="Phonics and shared reading in a group of six.",
    )
    pupils = [p for p in demo.pupils["northgate"] if p.status == "active"][:6]
    group = actions.do_create_intervention(
        access,
        {
            "name": item.name,
            "library_item": item,
            "area_of_need": item.area_of_need,
            "provider": item.provider,
            "start_date": today - timedelta(weeks=8),
            "end_date": today + timedelta(weeks=5),
            "session_minutes": 30,
            "sessions_per_week": 3,
            "staff_hourly_rate_pence": 1450,
            "pupils": [p.pk for p in pupils],
        },
    )
    rng = demo.rng
    for week in range(8):
        for day in (0, 2, 4):
            when = group.start_date + timedelta(weeks=week, days=day)
            if when >= today or rng.random() < 0.1:  # a session missed now and then
                continue
            came = [p.pk for p in pupils if rng.random() < (0.55 if p == pupils[-1] else 0.92)]
            actions.do_record_session(access, group, when, came, "")
    for pupil in pupils:
        Provision.objects.filter(intervention=group, pupil=pupil).update(
            entry_score=rng.randint(70, 85), exit_score=rng.randint(78, 96)
        )
        _reviews(school, _plan_of(school, pupil, today), senco, today, rng)


def _ehcps(demo: Demo, today: date) -> None:
    north = demo.schools["northgate"]
    ehcp_pupil = next(p for p in demo.pupils["northgate"] if p.status == "active")
    Pupil.objects.filter(pk=ehcp_pupil.pk).update(sen_status="E")
    EHCP.objects.create(
        school=north,
        pupil=ehcp_pupil,
        local_authority="Oxfordshire",
        issued_on=today - timedelta(days=700),
        last_review_on=today - timedelta(days=350),  # the annual review falls due in 2 weeks
        next_review_meeting_on=today + timedelta(days=12),
    )
    oak = demo.schools["oakfield"]
    y6 = next(p for p in demo.pupils["oakfield"] if p.year_group == 6 and p.status == "active")
    Pupil.objects.filter(pk=y6.pk).update(sen_status="E", sen_needs=["ASD"])
    transfer_year = today.year + 1 if today.month >= 3 else today.year
    EHCP.objects.create(
        school=oak,
        pupil=y6,
        local_authority="Oxfordshire",
        issued_on=today - timedelta(days=400),
        last_review_on=today - timedelta(days=120),
        phase_transfer_year=transfer_year,  # the secondary named by 15 February
    )


def _family_comment(demo: Demo, today: date) -> None:
    link = (
        ExternalLink.objects.filter(
            school=demo.schools["northgate"],
            licence_type__kind="parent",
            user__email="parent@example.com",
        )
        .select_related("licence_type", "pupil", "school")
        .first()
    )
    if link is None:
        return
    lt = link.licence_type
    lt.access = {**lt.access, "sen": sorted({*lt.access.get("sen", []), "current_targets"})}
    lt.save(update_fields=["access"])
    plan = _plan_of(link.school, link.pupil, today)
    PlanComment.objects.create(
        school=link.school,
        plan=plan,
        author=link.user,
        text="She has started reading to her little brother at bedtime. The visual timetable helps a lot at home too.",
    )


@step
def sen_cycle(demo: Demo) -> None:
    today = timezone.localdate()
    StaffMembership.objects.filter(user__email__startswith="senco@").update(senco=True)
    _reading_group(demo, today)
    _ehcps(demo, today)
    _family_comment(demo, today)
    NOTES.append(
        "SEN cycle: senco@northgate.example.org sees what falls due on the dashboard; the "
        "reading group is under Provision map > Group interventions; parent@example.com has "
        "commented on a plan (My pupils > Support plans)."
    )
