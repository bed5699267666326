"""Demo SEN records: plans, provisions, passports, meetings, a file, safeguarding."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from pupilhub.demo.builder import Demo, step
from pupilhub.pupils.models import Pupil

from .models import Attachment, MeetingLog, Passport, Plan, Provision, SafeguardingIssue
from .validation import stored_name

AREAS = ["cognition_learning", "communication_interaction", "semh", "sensory_physical"]


@step
def sen_records(demo: Demo) -> None:
    today = timezone.localdate()
    rng = demo.rng
    for key, pupils in demo.pupils.items():
        school = demo.schools[key]
        senco = demo.staff[f"{key}.senco"]
        for i, pupil in enumerate(pupils[:14]):
            needs = [["SPLD"], ["ASD", "SLCN"], ["SEMH"], ["MLD", "SPLD"]][i % 4]
            Pupil.objects.filter(pk=pupil.pk).update(
                sen_status="E" if i < 3 else "K",
                sen_needs=needs,
                sen_start_date=today - timedelta(days=200 + 90 * (i % 5)),
            )
            common = {"school": school, "pupil": pupil, "created_by": senco}
            Plan.objects.create(
                **common,
                plan_title=f"Support plan {today.year}",
                start_date=today - timedelta(days=60),
                review_date=today + timedelta(days=rng.choice([-3, 5, 10, 40, 90])),
                status="active",
                targets=[
                    {
                        "description": "Read 20 high-frequency words",
                        "success_criteria": "4 of 5 sessions",
                        "outcome": "",
                    },
                    {
                        "description": "Use a calm-down strategy",
                        "success_criteria": "Self-selects card",
                        "outcome": "",
                    },
                ],
                strategies="Visual timetable; pre-teaching",
            )
            for _ in range(rng.randint(1, 3)):
                entry = rng.randint(60, 95)
                Provision.objects.create(
                    **common,
                    name=rng.choice(
                        [
                            "Reading catch-up",
                            "Lego therapy",
                            "Speech and language",
                            "Fine motor group",
                            "Nurture group",
                        ]
                    ),
                    area_of_need=rng.choice(AREAS),
                    provider="Teaching assistant",
                    frequency="3 x 20 min a week",
                    group_size=rng.randint(1, 6),
                    cost_pence=rng.choice([4500, 12000, 25000, 38000]),
                    start_date=today - timedelta(days=90),
                    end_date=today + timedelta(days=30),
                    entry_score=entry,
                    exit_score=entry + rng.randint(-2, 12),
                )
            if i % 3 == 0:
                Passport.objects.create(
                    **common,
                    about_me="I love drawing and football.",
                    strengths="Kind, creative",
                    needs="Processing time",
                    what_helps="Instructions one at a time",
                    what_does_not_help="Loud rooms",
                )
                MeetingLog.objects.create(
                    **common,
                    date=today - timedelta(days=20),
                    meeting_type="parent_meeting",
                    attendees="Parent, SENCo, class teacher",
                    notes="Progress discussed.",
                    actions="Review in six weeks.",
                )
            if i == 0:
                SafeguardingIssue.objects.create(
                    **common,
                    date=today - timedelta(days=5),
                    category="missing_education",
                    description="Repeated absence on Mondays.",
                    actions_taken="Called home.",
                    status="open",
                    reference=f"SG-{today.year - 1}-{i + 1:04d}",
                    opened_at=timezone.now(),
                )
                data = b"%PDF-1.4\n% demo educational psychologist report\n"
                a = Attachment(
                    **common,
                    filename="EP report.pdf",
                    size=len(data),
                    content_type="application/pdf",
                    sha256=__import__("hashlib").sha256(data).hexdigest(),
                    description="EP report",
                )
                a.file.save(stored_name(school.pk), ContentFile(data), save=True)


__all__ = ["sen_records"]
