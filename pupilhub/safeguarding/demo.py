"""Demo safeguarding work: Northgate's teacher has raised two concerns (one with a body map);
the SENCo has an open task and a referral whose response is late; Oakfield has sent a
child-protection file to a school outside pupilhub, waiting for receipt."""

from datetime import date, timedelta

from django.utils import timezone

from pupilhub.demo.builder import NOTES, Demo, step
from pupilhub.documents.models import SafeguardingIssue
from pupilhub.schools.access import staff_access
from pupilhub.schools.models import StaffMembership

from . import actions
from .models import ChildProtectionTransfer, Referral, Task

DEMO_CP_TOKEN = "demo-child-protection-file-link"  # demo data only; printed by make run
DEMO_CP_CODE = "246810"


def _concerns(demo: Demo, today: date) -> list[SafeguardingIssue]:
    teacher = staff_access(demo.staff["northgate.teacher"], demo.schools["northgate"].pk)
    pupils = demo.pupils["northgate"]
    first = actions.do_raise_concern(
        teacher,
        pupils[3],
        {
            "date": today - timedelta(days=6),
            "category": "physical_abuse",
            "description": "Bruising on the left upper arm seen during PE. He said 'I fell off my bike'.",
            "actions_taken": "Told the DSL at break; did not ask leading questions.",
            "body_map": [
                {"view": "front", "x": 0.2, "y": 0.3, "note": "Bruise, about 3 cm, yellowing"},
                {"view": "back", "x": 0.78, "y": 0.32, "note": "Two smaller bruises"},
            ],
        },
    )
    second = actions.do_raise_concern(
        teacher,
        pupils[5],
        {
            "date": today - timedelta(days=1),
            "category": "neglect",
            "description": "Came in without a coat for the third day running; said she was hungry.",
            "actions_taken": "Gave breakfast club toast.",
            "linked_pupils": [pupils[6].pk],
        },
    )
    return [first, second]


def _leads_work(demo: Demo, issue: SafeguardingIssue, today: date) -> None:
    school = demo.schools["northgate"]
    senco = StaffMembership.objects.get(school=school, user=demo.staff["northgate.senco"])
    head = demo.staff["northgate.head"]
    Task.objects.create(
        school=school,
        issue=issue,
        assignee=senco,
        task="Check in with him each morning this week and note anything he says.",
        due_on=today + timedelta(days=3),
        created_by=head,
    )
    Referral.objects.create(
        school=school,
        issue=issue,
        agency="childrens_social_care",
        referred_on=today - timedelta(days=5),
        reference="MASH-2026-1187",
        response_due_on=today - timedelta(days=2),  # late: the leads are alerted daily
        created_by=head,
    )


def _cp_file(demo: Demo, today: date) -> None:
    school = demo.schools["oakfield"]
    lead = staff_access(demo.staff["oakfield.senco"], school.pk)
    pupil = demo.pupils["oakfield"][2]
    actions.do_raise_concern(
        lead,
        pupil,
        {
            "date": today - timedelta(days=40),
            "category": "domestic_abuse",
            "description": "Told her teacher that shouting at home kept her awake; police attended.",
            "status": "open",
        },
    )
    transfer = ChildProtectionTransfer.objects.create(
        school=school,
        pupil=pupil,
        to_school_name="Hillside Academy (not on pupilhub)",
        to_email="dsl@hillside.example.org",
        created_by=lead.user,
        due_by=today + timedelta(days=3),
        expires_at=timezone.now() + timedelta(days=14),
    )
    actions.do_issue_cp_secrets(transfer, DEMO_CP_TOKEN, DEMO_CP_CODE)


@step
def safeguarding_work(demo: Demo) -> None:
    today = timezone.localdate()
    first, _second = _concerns(demo, today)
    _leads_work(demo, first, today)
    _cp_file(demo, today)
    NOTES.append(
        "Safeguarding: sign in as teacher@northgate.example.org and choose 'Raise a concern'; "
        "head@ or senco@northgate.example.org see the new concerns first on the dashboard. "
        f"Oakfield's child-protection file waits at /child-protection-file/{DEMO_CP_TOKEN} "
        f"(code {DEMO_CP_CODE})."
    )
