"""Costs that must not grow with history or with another school's size (issue 33):

- the audit log of one school with a long history: the first page, a page 150,000 events
  deep (keyset), and one actor's events, each against the first page of the bare query
  (the same index range without the page around it);
- one pupil's transfer match from a sending school of 250 and of 8,000 pupils;
- the nightly sent-mail purge when the school's history is already purged, at 20,000 and
  200,000 delivered messages (it should read nothing it already blanked).
"""

import uuid
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench import stats
from bench.world import World

EVENTS = 200_000


def _bulk_events(school: Any, actors: list[Any]) -> None:
    """EVENTS audit rows for one school, newest a minute apart from now, spread across
    a few actors and actions (raw INSERTs in batches: the ORM would take minutes)."""
    now = timezone.now()
    table = "core_auditevent"
    columns = (
        "id, school_id, actor_id, actor_kind, action, safeguarding, object_type, object_id, "
        "pupil, at, detail"
    )
    school_id = school.pk.hex if connection.vendor == "sqlite" else str(school.pk)
    batch = []
    with connection.cursor() as cursor:
        for i in range(EVENTS):
            actor = actors[i % len(actors)]
            batch.append(
                (
                    uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()),
                    school_id,
                    actor.pk.hex if connection.vendor == "sqlite" else str(actor.pk),
                    "staff",
                    ("pupil.viewed", "plan.updated", "provision.created")[i % 3],
                    False,
                    "pupil",
                    str(i),
                    "",
                    now - timedelta(seconds=30 * i),
                    "{}",
                )
            )
            if len(batch) == 5000:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    batch,
                )
                batch = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_auditevent")


def audit_at_depth(world: World) -> None:
    from pupilhub.core.keyset import cursor_value, write_cursor
    from pupilhub.core.models import AuditEvent

    school, admin = world.schools[3], world.admins[3]
    _bulk_events(school, [admin, world.staff[3]])
    client = Client()
    client.force_login(admin)
    base = f"/schools/{school.id}/audit/"
    deep = (
        AuditEvent.objects.filter(school=school)
        .order_by("-at", "-id")
        .values_list("at", "id")[150_000:150_001]
    )
    (at, pk) = next(iter(deep))
    cursor = write_cursor({"k": [cursor_value(at), cursor_value(pk)]})

    def page(url: str) -> Any:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return get

    def bare() -> None:  # the page's own index range, without the page around it
        list(AuditEvent.objects.filter(school=school).order_by("-at", "-id")[:51])

    floor = stats.timed(bare)
    first = stats.timed(page(base))
    for name, url in (
        ("audit log page 1", base),
        ("audit log 150,000 events deep (keyset)", f"{base}?cursor={cursor}"),
        ("audit log, one actor's events", f"{base}?actor={world.staff[3].email}"),
    ):
        runs = first if url == base else stats.timed(page(url))
        row = stats.add(
            stats.Row(
                f"{name}, {EVENTS:,} events in the school",
                "ms",
                runs,
                floor_name="page 1",
                floor_runs=first if url != base else floor,
                target="within 2x of page 1" if url != base else "< 50 ms",
            )
        )
        if url == base:
            row.floor_name = "bare query"
            row.ok = row.median < 0.050
        else:
            row.ok = row.ratio is not None and row.ratio <= 2.0


def _school_with(n: int, name: str) -> Any:
    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.models import School

    school = School.objects.create(name=name, postcode="OX9 9AA", year_from=7, year_to=11)
    pupils = []
    for i in range(n):
        p = Pupil(
            school=school,
            first_name=f"First{i}",
            surname=f"Sur{i % 997}",
            date_of_birth=timezone.localdate() - timedelta(days=4000 + i % 700),
            pupil_id=f"B{name[:3].upper()}{i:09d}",
            year_group=7 + i % 5,
        )
        p.refresh_match_key()
        pupils.append(p)
    Pupil.objects.bulk_create(pupils, batch_size=2000)
    return school


def one_pupil_match() -> None:
    from pupilhub.pupils.models import Pupil
    from pupilhub.transition import matching

    receiver = _school_with(1, "Receiving")
    mine = Pupil.objects.get(school=receiver)
    small, big = _school_with(250, "Small"), _school_with(8000, "Large")
    runs: dict[Any, list[float]] = {}
    for school in (small, big):

        def matched(sender: Any = school) -> None:
            matching.match(receiver, sender, [mine.pk])

        runs[school.pk] = stats.timed(matched)
    row = stats.add(
        stats.Row(
            "one pupil's transfer match, sender of 8,000",
            "ms",
            runs[big.pk],
            floor_name="sender of 250",
            floor_runs=runs[small.pk],
            target="<= 1.5x",
        )
    )
    row.ok = row.ratio is not None and row.ratio <= 1.5


def purge_when_purged() -> None:
    from pupilhub.messaging.models import Delivery, Message
    from pupilhub.privacy import purge
    from pupilhub.schools.models import School

    runs: dict[int, list[float]] = {}
    for n in (20_000, 200_000):
        school = School.objects.create(name=f"Mail {n}", postcode="OX9 9AB")
        message = Message.objects.create(
            school=school, subject="x", html_body="<p>x</p>", send_after=timezone.now()
        )
        Message.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(days=400)
        )
        with transaction.atomic():
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        message=message,
                        email="",
                        status="sent",
                        next_attempt_at=timezone.now(),
                        mail_id=f"<{n}-{i}@bench>",
                    )
                    for i in range(n)
                ],
                batch_size=5000,
            )
        cutoff = timezone.now() - timedelta(days=90)

        def purged(school: Any = school, cutoff: Any = cutoff) -> None:
            purge._sent_mail(school, cutoff)

        runs[n] = stats.timed(purged)
    row = stats.add(
        stats.Row(
            "nightly mail purge, 200,000 already purged",
            "ms",
            runs[200_000],
            floor_name="20,000 already purged",
            floor_runs=runs[20_000],
            target="flat (<= 2x)",
        )
    )
    row.ok = row.ratio is not None and row.ratio <= 2.0


def run(world: World) -> None:
    print("history: audit log depth, one-pupil match, purge of a purged history", flush=True)
    stats.guarded("audit log at depth", lambda: audit_at_depth(world))
    stats.guarded("one-pupil match", one_pupil_match)
    stats.guarded("purge when purged", purge_when_purged)
