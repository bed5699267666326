"""Issue 4: approving a transfer of 300 pupils x 20 documents (300 files of 100 KB),
against a bare bulk_create of the same rows plus a plain copy of the same files."""

import hashlib
import os
import time
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

N_PUPILS = 300
FILE_BYTES = 100 * 1024


def seed():
    from pupilhub.core.testing import make_school, make_staff, make_upn
    from pupilhub.documents.models import Attachment, MeetingLog, Passport, Plan, Provision
    from pupilhub.pupils.models import Pupil
    from pupilhub.transition.models import Cluster, ClusterMembership

    sender = make_school("Bench Primary", year_from=0, year_to=6)
    receiver = make_school("Bench Secondary", year_from=7, year_to=11)
    spare = make_school("Bench Baseline", year_from=7, year_to=11)
    cluster = Cluster.objects.create(name="Bench")
    for school in (sender, receiver):
        ClusterMembership.objects.create(cluster=cluster, school=school, status="active")
    admins = (make_staff(receiver, "admin"), make_staff(sender, "admin"))

    def roll(school, year, status):
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

    old, new, baseline = (
        roll(sender, 6, "archived"),
        roll(receiver, 7, "active"),
        roll(spare, 7, "active"),
    )
    rows = {Plan: [], Provision: [], Passport: [], MeetingLog: []}
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
    return sender, receiver, spare, admins, new, baseline, rows, files


def baseline_copy(spare, baseline, rows, files) -> float:
    """What the same work costs with nothing but bulk_create and a file copy."""
    from pupilhub.documents.models import Attachment

    by_old = {}
    start = time.perf_counter()
    for model, objs in rows.items():
        fields = [f for f in model._meta.concrete_fields if f.name not in ("id", "school", "pupil")]
        copies = []
        for src in objs:
            pupil = baseline[by_old.setdefault(src.pupil_id, len(by_old)) % len(baseline)]
            copy = model(
                school=spare, pupil=pupil, **{f.attname: getattr(src, f.attname) for f in fields}
            )
            copies.append(copy)
        model.objects.bulk_create(copies, batch_size=1000)
    copies = []
    for i, src in enumerate(files):
        with default_storage.open(src.file.name, "rb") as handle:
            name = default_storage.save(
                f"attachments/{spare.id}/copy{i}", ContentFile(handle.read())
            )
        copy = Attachment(
            school=spare,
            pupil=baseline[i],
            filename=src.filename,
            size=src.size,
            content_type=src.content_type,
            sha256=src.sha256,
        )
        copy.file.name = name
        copies.append(copy)
    Attachment.objects.bulk_create(copies)
    return time.perf_counter() - start


def run() -> None:
    from django.db import connection

    from pupilhub.schools.access import staff_access
    from pupilhub.transition import actions

    sender, receiver, spare, admins, new, baseline, rows, files = seed()
    bare = baseline_copy(spare, baseline, rows, files)
    types = ["plans", "provisions", "passports", "meeting_logs", "files"]
    req = actions.do_request_transfer(
        staff_access(admins[0], receiver.id), sender.id, [p.id for p in new], types
    )
    actions.ASYNC_PUPILS = 10_000  # time the copy itself, in this process
    start = time.perf_counter()
    done = actions.do_approve(staff_access(admins[1], sender.id), req)
    approval = time.perf_counter() - start
    copied = sum(sum(i.counts.values()) for i in done.items.all())
    assert done.status == "completed" and copied == N_PUPILS * 20, (done.status, copied)
    print(
        f"transfer approval, {N_PUPILS} pupils x 20 documents incl. {N_PUPILS} files of 100 KB "
        f"({connection.vendor}): {approval:.2f} s; bare bulk_create + file copy {bare:.2f} s; "
        f"ratio {approval / bare:.1f} (target <= 5)"
    )
