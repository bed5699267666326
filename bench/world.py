"""The benchmark database: 200 schools x 1,000 pupils in one database, as production has
many schools side by side, with provisions, tracking values, families and staff."""

import random
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

N_SCHOOLS = 200
PUPILS = 1_000
PROVISIONS = 300  # per school
FAMILIES = 250  # external accounts per school (50,000 in all)
FIELDS = 6  # tracking fields per school (year 8)
AREAS = ["cognition_learning", "communication_interaction", "semh", "sensory_physical"]
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel"]


@dataclass
class World:
    schools: list[Any]
    staff: list[Any]  # one SENCo (staff + safeguarding lead) per school
    admins: list[Any]  # one admin per school
    links: list[Any]  # every family link (user, pupil, licence type)


def seed() -> World:
    from pupilhub.accounts.models import User
    from pupilhub.documents.models import Provision
    from pupilhub.gateway.licences import ensure_builtin_types
    from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField, TrackingValue
    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.models import School, StaffMembership

    started = time.perf_counter()
    rng = random.Random(7)
    now = timezone.now()
    schools = School.objects.bulk_create(
        [
            School(name=f"Bench School {i:03d}", postcode="OX1 1AA", year_from=7, year_to=11)
            for i in range(N_SCHOOLS)
        ]
    )
    for school in schools:
        ensure_builtin_types(school)
    users = User.objects.bulk_create(
        [
            User(
                email=f"{role}{i:03d}@bench.example.org",
                first_name=role.title(),
                surname=f"{i:03d}",
                email_verified_at=now,
                password="!",
            )
            for i in range(N_SCHOOLS)
            for role in ("senco", "admin")
        ],
        batch_size=2000,
    )
    staff, admins = users[0::2], users[1::2]
    StaffMembership.objects.bulk_create(
        [
            StaffMembership(user=u, school=s, role=role, safeguarding_lead=lead, status="active")
            for s, senco, admin in zip(schools, staff, admins, strict=True)
            for u, role, lead in ((senco, "staff", True), (admin, "admin", False))
        ],
        batch_size=2000,
    )
    serial = 0
    parent_types = {lt.school_id: lt for lt in LicenceType.objects.filter(kind="parent")}
    links: list[Any] = []
    for s in schools:
        pupils = []
        for i in range(PUPILS):
            serial += 1
            p = Pupil(
                school=s,
                first_name=rng.choice(FIRST),
                surname=f"{rng.choice(LAST)}{i:04d}",
                date_of_birth=date(2012 + i % 5, 1 + i % 12, 1 + i % 28),
                pupil_id=f"B{serial:011d}",
                year_group=7 + i % 5,
                tutor_group=f"{7 + i % 5}{'ABCD'[i % 4]}",
            )
            p.refresh_match_key()
            pupils.append(p)
        Pupil.objects.bulk_create(pupils, batch_size=2000)
        Provision.objects.bulk_create(
            [
                Provision(
                    school=s,
                    pupil=pupils[(k * 7) % PUPILS],
                    name="Reading catch-up",
                    area_of_need=AREAS[k % 4],
                    cost_pence=1000 + k,
                    start_date=date(2026, 9, 1),
                    entry_score=50,
                    exit_score=50 + k % 7,
                )
                for k in range(PROVISIONS)
            ],
            batch_size=2000,
        )
        fields = TrackingField.objects.bulk_create(
            [
                TrackingField(
                    school=s,
                    key=f"maths-{k}",
                    name=f"Maths {k}",
                    subject="Maths",
                    year_group=8,
                    period=f"Term {k + 1}",
                    kind="number",
                    position=k,
                )
                for k in range(FIELDS)
            ]
        )
        lt = parent_types[s.pk]
        lt.access = {**lt.access, "tracking": [f.key for f in fields]}
        lt.save(update_fields=["access"])
        families = User.objects.bulk_create(
            [
                User(
                    email=f"family{s.name[-3:]}-{k:03d}@bench.example.org",
                    email_verified_at=now,
                    password="!",
                )
                for k in range(FAMILIES)
            ]
        )
        children = [p for p in pupils if p.year_group in (7, 8)][:FAMILIES]
        links += ExternalLink.objects.bulk_create(
            [
                ExternalLink(user=u, school=s, pupil=c, licence_type=lt)
                for u, c in zip(families, children, strict=True)
            ]
        )
        TrackingValue.objects.bulk_create(
            [
                TrackingValue(school=s, pupil=c, field=f, value=str(rng.randint(1, 9)))
                for c in children
                for f in fields
            ],
            batch_size=2000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, on a real database
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    print(
        f"seeded {N_SCHOOLS} schools x {PUPILS:,} pupils ({N_SCHOOLS * PUPILS:,} pupils, "
        f"{N_SCHOOLS * PROVISIONS:,} provisions, {len(links):,} family links) "
        f"on {connection.vendor} in {took:.0f} s",
        flush=True,
    )
    return World(schools=schools, staff=list(staff), admins=list(admins), links=links)


def sessions_for(users: list[Any]) -> list[str]:
    """A fresh session per user (many sessions, as many people signed in)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from pupilhub.core.middleware import IdleSessionMiddleware

    cookies = []
    now = int(time.time())
    for user in users:
        store = SessionStore()
        store[IdleSessionMiddleware.KEY] = now  # as the sign-in response leaves it
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return cookies
