"""Licence keys and their mail-merge workbooks for a large school: 8,000 pupils x 2 types."""

from datetime import date

from pupilhub.gateway import key_sheets, licences

from . import stats


def big_school(n: int = 8_000):
    from pupilhub.pupils.models import Pupil
    from pupilhub.testing import make_school, make_staff

    school = make_school("Bench Academy", year_from=7, year_to=11)
    pupils = []
    for i in range(n):
        p = Pupil(
            school=school,
            first_name=f"First{i}",
            surname=f"Surname{i:05d}",
            date_of_birth=date(2012, 1, 1),
            pupil_id=f"Z{i:011d}",
            year_group=7 + i % 5,
            tutor_group=f"{7 + i % 5}{'ABCDEFGH'[i % 8]}",
        )
        p.refresh_match_key()
        pupils.append(p)
    Pupil.objects.bulk_create(pupils, batch_size=2000)
    return school, make_staff(school, "admin")


def keys_and_workbooks(school, admin) -> None:
    from pupilhub.billing.actions import do_activate
    from pupilhub.gateway.models import LicenceType
    from pupilhub.pupils.models import Pupil
    from pupilhub.schools.access import staff_access

    do_activate(None, school, date(2026, 9, 1), date(2027, 4, 1))  # past the trial limit
    access = staff_access(admin, school.id)
    pupils = list(Pupil.objects.filter(school=school))
    types = [LicenceType.objects.get(school=school, kind=k) for k in ("pupil", "parent")]

    def both() -> None:
        for lt in types:
            key_sheets.workbook(school, lt, licences.do_generate_keys(access, lt, pupils))

    row = stats.add(
        stats.Row(
            f"licence keys + workbooks, {len(pupils):,} pupils x 2 types",
            "s",
            stats.timed(both),
            target="< 3 s",
        )
    )
    row.ok = row.median < 3
