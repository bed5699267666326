from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from pupilhub.documents.models import Passport, Plan, Provision
from pupilhub.testing import Api, make_pupil, make_school, make_staff, make_upn
from pupilhub.transition.models import Cluster, ClusterMembership


@dataclass
class World:
    """Secondary (receiving) and Primary (sending) in one active cluster, one shared child."""

    secondary: Any
    primary: Any
    outsider: Any
    sec_head: Any
    sec_admin: Any
    sec_staff: Any
    pri_head: Any
    pri_admin: Any
    pri_lead: Any  # admin + safeguarding lead
    out_admin: Any
    cluster: Any
    child_sec: Any
    child_pri: Any

    def api(self, who: str | None) -> Api:
        return Api(getattr(self, who) if who else None)


def join(cluster: Cluster, school: Any, status: str = "active") -> ClusterMembership:
    return ClusterMembership.objects.create(cluster=cluster, school=school, status=status)


@pytest.fixture
def world(db: Any) -> World:
    secondary = make_school("Northgate", year_from=7, year_to=11)
    primary = make_school("Oakfield", year_from=0, year_to=6)
    outsider = make_school("Faraway", year_from=7, year_to=11)
    cluster = Cluster.objects.create(name="North Oxford")
    join(cluster, secondary)
    join(cluster, primary)
    dob = date(2015, 3, 4)
    child_pri = make_pupil(
        primary,
        first_name="Siân",
        surname="O\u2019Neill",  # a typographic apostrophe
        date_of_birth=dob,
        pupil_id=make_upn(),
        year_group=6,
        status="archived",
    )
    child_sec = make_pupil(
        secondary,
        first_name="SIÂN ",
        surname="o'neill",
        date_of_birth=dob,
        pupil_id=child_pri.pupil_id,
        year_group=7,
    )
    Plan.objects.create(school=primary, pupil=child_pri, plan_title="KS2 plan", start_date=dob)
    Provision.objects.create(
        school=primary, pupil=child_pri, name="Reading", area_of_need="semh", start_date=dob
    )
    Passport.objects.create(school=primary, pupil=child_pri, about_me="Likes trains")
    return World(
        secondary=secondary,
        primary=primary,
        outsider=outsider,
        sec_head=make_staff(secondary, "main_admin"),
        sec_admin=make_staff(secondary, "admin"),
        sec_staff=make_staff(secondary, "staff", sg=True),
        pri_head=make_staff(primary, "main_admin"),
        pri_admin=make_staff(primary, "admin"),
        pri_lead=make_staff(primary, "admin", sg=True),
        out_admin=make_staff(outsider, "admin"),
        cluster=cluster,
        child_sec=child_sec,
        child_pri=child_pri,
    )
