"""Approving a transfer of 300 pupils x 20 documents (300 files of 100 KB), against the
floor: INSERT ... SELECT of the same rows in the database plus a plain copy of the files."""

import hashlib
import os
import time
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

N_PUPILS = 300
FILE_BYTES = 100 * 1024


def roll(school, year, status):
    from pupilhub.pupils.models import Pupil
    from pupilhub.testing import make_upn

    pupils = []
    for i in range(N_PUPILS):
        p = Pupil(
            school=school,
            first_name=f"Child{i}",
            surname="Bench",
            date_of_birth=date(2015, 1, 1),
            pupil_id=make_upn(9000 + i),
            year_group=year,
            status=status,
        )
        p.refresh_match_key()
        pupils.append(p)
    return Pupil.objects.bulk_create(pupils)


def seed():
    """A sending school whose 300 leavers each have 19 documents and a 100 KB file."""
    from pupilhub.documents.models import Attachment, MeetingLog, Passport, Plan, Provision
    from pupilhub.testing import make_school, make_staff

    sender = make_school("Bench Primary", year_from=0, year_to=6)
    old = roll(sender, 6, "archived")
    rows: dict[Any, list[Any]] = {Plan: [], Provision: [], Passport: [], MeetingLog: []}
    for p in old:
        common = {"school": sender, "pupil": p}
        rows[Plan] += [
            Plan(
                **common,
                plan_title=f"Plan {k}",
                start_date=date(2025, 9, 1),
                targets=[{"description": "t", "success_criteria": "", "outcome": ""}],
            )
            for k in range(5)
        ]
        rows[Provision] += [
            Provision(
                **common,
                name=f"Prov {k}",
                area_of_need="semh",
                start_date=date(2025, 9, 1),
                cost_pence=1000,
            )
            for k in range(5)
        ]
        rows[Passport] += [Passport(**common, about_me="About me " * 20) for _ in range(4)]
        rows[MeetingLog] += [
            MeetingLog(**common, date=date(2025, 10, 1), meeting_type="review", notes="Notes " * 30)
            for _ in range(5)
        ]
    for model, objs in rows.items():
        model.objects.bulk_create(objs, batch_size=1000)
    files = []
    for i, p in enumerate(old):
        data = os.urandom(FILE_BYTES)
        a = Attachment(
            school=sender,
            pupil=p,
            filename=f"report{i}.pdf",
            size=len(data),
            content_type="application/pdf",
            sha256=hashlib.sha256(data).hexdigest(),
        )
        a.file.name = default_storage.save(f"attachments/{sender.id}/bench{i}", ContentFile(data))
        files.append(a)
    Attachment.objects.bulk_create(files)
    return sender, make_staff(sender, "admin")


TABLES = ["documents_plan", "documents_provision", "documents_passport", "documents_meetinglog"]


def floor_copy(sender, target) -> None:
    """The floor: each table copied by one INSERT ... SELECT joined on the match key
    (the database does all the work), and the files copied byte for byte."""
    from django.db import connection

    from pupilhub.documents.models import Attachment

    new_id = (
        "gen_random_uuid()" if connection.vendor == "postgresql" else "lower(hex(randomblob(16)))"
    )
    with connection.cursor() as cursor:
        for table in [*TABLES, "documents_attachment"]:
            cols = [
                c.name
                for c in connection.introspection.get_table_description(cursor, table)
                if c.name not in ("id", "school_id", "pupil_id")
            ]
            listed = ", ".join(cols)
            picked = ", ".join(f"src.{c}" for c in cols)
            cursor.execute(
                f"INSERT INTO {table} (id, school_id, pupil_id, {listed}) "
                f"SELECT {new_id}, %s, dst.id, {picked} FROM {table} src "
                "JOIN pupils_pupil sp ON sp.id = src.pupil_id "
                "JOIN pupils_pupil dst ON dst.match_key = sp.match_key AND dst.school_id = %s "
                "WHERE src.school_id = %s AND src.deleted_at IS NULL",
                [
                    target.pk.hex if connection.vendor == "sqlite" else target.pk,
                    target.pk.hex if connection.vendor == "sqlite" else target.pk,
                    sender.pk.hex if connection.vendor == "sqlite" else sender.pk,
                ],
            )
    for src in Attachment.objects.filter(school=sender):
        with default_storage.open(src.file.name, "rb") as handle:
            default_storage.save(f"attachments/{target.id}/floor-{src.pk}", handle)


def run() -> None:
    from django.db import connection

    from pupilhub.schools.access import staff_access
    from pupilhub.testing import make_school, make_staff
    from pupilhub.transition import actions
    from pupilhub.transition.models import Cluster, ClusterMembership

    from . import stats

    sender, sender_admin = seed()
    cluster = Cluster.objects.create(name="Bench")
    ClusterMembership.objects.create(cluster=cluster, school=sender, status="active")
    types = ["plans", "provisions", "passports", "meeting_logs", "files"]
    actions.ASYNC_PUPILS = 10_000  # time the copy itself, in this process
    ours, floor = [], []
    for k in range(stats.RUNS):
        receiver = make_school(f"Bench Secondary {k}", year_from=7, year_to=11)
        spare = make_school(f"Bench Floor {k}", year_from=7, year_to=11)
        ClusterMembership.objects.create(cluster=cluster, school=receiver, status="active")
        new = roll(receiver, 7, "active")
        roll(spare, 7, "active")
        admin = make_staff(receiver, "admin")
        start = time.perf_counter()
        floor_copy(sender, spare)
        floor.append(time.perf_counter() - start)
        req = actions.do_request_transfer(
            staff_access(admin, receiver.id), sender.id, [p.id for p in new], types
        )
        start = time.perf_counter()
        done = actions.do_approve(staff_access(sender_admin, sender.id), req)
        ours.append(time.perf_counter() - start)
        copied = sum(sum(i.counts.values()) for i in done.items.all())
        assert done.status == "completed" and copied == N_PUPILS * 20, (done.status, copied)
    row = stats.add(
        stats.Row(
            f"transfer approval, {N_PUPILS} pupils x 20 documents + 100 KB files ({connection.vendor})",
            "s",
            ours,
            "INSERT ... SELECT + file copy",
            floor,
            target="<= 3x floor",
        )
    )
    row.ok = row.ratio is not None and row.ratio <= 3
