"""Demo transition: two clusters, memberships in every state, one completed and one
waiting transfer of last year's Y6 leavers."""

from datetime import date

from django.utils import timezone

from pupilhub.demo.builder import NOTES, Demo, step
from pupilhub.documents.models import Passport, Plan, Provision
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import staff_access

from . import actions
from .models import Cluster, ClusterMembership


def _member(demo: Demo, cluster: Cluster, key: str, status: str) -> None:
    school = demo.schools[key]
    decided = status != "pending"
    ClusterMembership.objects.create(
        cluster=cluster,
        school=school,
        status=status,
        added_by=demo.operator,
        decided_by=demo.staff[f"{key}.head"] if decided else None,
        decided_at=timezone.now() if decided else None,
    )


def _records_for_leavers(demo: Demo, key: str) -> list:
    leavers = [p for p in demo.pupils[key] if p.status == "archived"]
    senco = demo.staff[f"{key}.senco"]
    for i, pupil in enumerate(leavers):
        common = {"school": demo.schools[key], "pupil": pupil, "created_by": senco}
        Plan.objects.create(
            **common,
            plan_title="Year 6 support plan",
            start_date=date(2025, 9, 8),
            review_date=date(2026, 3, 2),
            status="reviewed",
            targets=[
                {"description": "Times tables to 12", "success_criteria": "", "outcome": "Met"}
            ],
        )
        Passport.objects.create(
            **common,
            about_me="I like football and drawing.",
            what_helps="Instructions one step at a time.",
        )
        if i % 2 == 0:
            Provision.objects.create(
                **common,
                name="Nurture group",
                area_of_need="semh",
                cost_pence=45000,
                start_date=date(2025, 9, 15),
                entry_score=3,
                exit_score=6,
            )
    return leavers


@step
def transition(demo: Demo) -> None:
    north = Cluster.objects.create(name="North Oxford transition", created_by=demo.operator)
    _member(demo, north, "oakfield", "active")
    _member(demo, north, "northgate", "active")
    _member(demo, north, "riverside", "pending")
    family = Cluster.objects.create(name="St Mary's family of schools", created_by=demo.operator)
    _member(demo, family, "riverside", "active")
    _member(demo, family, "stmarys", "active")
    _member(demo, family, "glenbrae", "denied")
    _records_for_leavers(demo, "oakfield")
    _records_for_leavers(demo, "riverside")

    # Northgate asked Oakfield for its new Y7s; Oakfield approved.
    northgate = staff_access(demo.staff["northgate.head"], demo.schools["northgate"].id)
    newcomers = [p.id for p in demo.pupils["northgate"] if p.year_group == 7][-6:]
    # Maya Hart's date of birth was keyed wrongly here: skipped, "date_of_birth differs".
    newcomers += list(
        Pupil.objects.filter(school=demo.schools["northgate"], surname="Hart").values_list(
            "id", flat=True
        )
    )
    done = actions.do_request_transfer(
        northgate, demo.schools["oakfield"].id, newcomers, ["plans", "provisions", "passports"]
    )
    oakfield = staff_access(demo.staff["oakfield.office"], demo.schools["oakfield"].id)
    actions.do_approve(oakfield, done)
    # St Mary's has asked Riverside; it waits for Riverside's answer.
    stmarys = staff_access(demo.staff["stmarys.office"], demo.schools["stmarys"].id)
    waiting = [p.id for p in demo.pupils["stmarys"] if p.year_group == 7][-5:]
    actions.do_request_transfer(
        stmarys, demo.schools["riverside"].id, waiting, ["plans", "provisions", "passports"]
    )


@step
def cluster_request(demo: Demo) -> None:
    """Glenbrae's head asked the operator for a cluster with two nearby schools."""
    school = demo.schools["glenbrae"]
    actions.do_request_cluster(
        staff_access(demo.staff["glenbrae.head"], school.id),
        "Edinburgh North",
        f"{school.name}, {school.postcode}\nLeith Primary School, EH6 6JJ\n"
        "Trinity Primary School, EH5 3JD",
        "We hand about 60 pupils on each August.",
    )
    NOTES.append(
        "Transition: Glenbrae's head asked for a cluster (Clusters > Ask for a cluster); it "
        "waits on the operator page. Approving a request now shows a check page first."
    )
