"""Issue 5: keys and workbook for 2,000 pupils x 2 licence types; a parent's pupil page
under 20 concurrent clients against the bare 50-row view, in the same run."""

import time
from datetime import date

from django.utils import timezone


def keys_and_workbook(school, admin) -> None:
    from pupilhub.billing.actions import do_activate
    from pupilhub.gateway import actions
    from pupilhub.gateway.models import LicenceType
    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.access import staff_access

    do_activate(None, school, date(2026, 9, 1), date(2027, 4, 1))  # no trial limit
    actions.ensure_builtin_types(school)
    access = staff_access(admin, school.id)
    pupils = list(Pupil.objects.filter(school=school)[:2000])
    start = time.perf_counter()
    size = 0
    for kind in ("pupil", "parent"):
        lt = LicenceType.objects.get(school=school, kind=kind)
        issued = actions.do_generate_keys(access, lt, pupils)
        size += len(actions.workbook(school, lt, issued))
    took = time.perf_counter() - start
    print(
        f"licence keys + workbooks, {len(pupils):,} pupils x 2 types: {took:.2f} s "
        f"({size // 1024} KB of xlsx; target < 2 s)"
    )


def parent_page_under_load(school, database_url) -> None:
    from django.test import Client

    from bench.load import SETUP, compare, gunicorn
    from pupilhub.accounts.models import User
    from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField, TrackingValue
    from pupilhub.pupils.models import Pupil

    pupil = Pupil.objects.filter(school=school).first()
    fields = [
        TrackingField.objects.create(
            school=school,
            key=f"f{i}",
            name=f"Maths {i}",
            subject="Maths",
            year_group=8,
            period=f"P{i}",
            kind="number",
            position=i,
        )
        for i in range(6)
    ]
    TrackingValue.objects.bulk_create(
        [
            TrackingValue(school=school, pupil=pupil, field=f, value=str(i))
            for i, f in enumerate(fields)
        ]
    )
    lt = LicenceType.objects.get(school=school, kind="parent")
    lt.access = {**lt.access, "tracking": [f.key for f in fields]}
    lt.save()
    parent = User.objects.create_user(
        "bench.parent@example.org", "a long bench passphrase", email_verified_at=timezone.now()
    )
    link = ExternalLink.objects.create(user=parent, school=school, pupil=pupil, licence_type=lt)
    client = Client()
    client.force_login(parent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with gunicorn(database_url) as port:
        bare, page = compare(port, ("/bench/bare/", ""), (f"/my/pupils/{link.id}/", cookie))
    print(
        f"parent's pupil page ({SETUP}), 20 clients: {page:.0f} req/s against bare 50-row view {bare:.0f} req/s, "
        f"ratio {page / bare:.2f} (target >= 0.5)"
    )
