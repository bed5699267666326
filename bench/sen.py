"""The SEN cycle at the size of a large secondary (issue 28): impact per provision and the
SEN register for 2,000 pupils, 8,000 provisions and 4,000 reviews, each against one bare
aggregate SQL query over the same rows in the same run (target: within 3x)."""

import random
from datetime import date, timedelta

from django.db import connection

from . import stats


def _school():
    from pupilhub.documents.models import Plan, Provision
    from pupilhub.pupils.models import Pupil
    from pupilhub.sen.models import Review, TargetScore
    from pupilhub.testing import make_school, make_staff

    rng = random.Random(28)
    school = make_school("Bench SEN Academy", year_from=7, year_to=11)
    pupils = []
    for i in range(2_000):
        p = Pupil(
            school=school,
            first_name=f"Sen{i}",
            surname=f"Pupil{i:05d}",
            date_of_birth=date(2012, 1, 1),
            pupil_id=f"S{i:011d}",
            year_group=7 + i % 5,
            sen_status="E" if i % 10 == 0 else "K",
            sen_needs=["SPLD"],
        )
        p.refresh_match_key()
        pupils.append(p)
    Pupil.objects.bulk_create(pupils, batch_size=2000)
    today = date.today()
    names = [f"Provision {n}" for n in range(40)]
    Provision.objects.bulk_create(
        [
            Provision(
                school=school,
                pupil=pupils[i % 2_000],
                name=rng.choice(names),
                area_of_need="cognition_learning",
                cost_pence=rng.randint(1000, 50000),
                start_date=today - timedelta(days=rng.randint(0, 300)),
                entry_score=rng.randint(60, 90) if i % 3 else None,
                exit_score=rng.randint(60, 99) if i % 3 else None,
            )
            for i in range(8_000)
        ],
        batch_size=2000,
    )
    plans = Plan.objects.bulk_create(
        [
            Plan(
                school=school,
                pupil=p,
                plan_title="Plan",
                start_date=today - timedelta(days=90),
                review_date=today + timedelta(days=30),
                status="active",
                targets=[{"description": "a"}, {"description": "b"}],
            )
            for p in pupils
        ],
        batch_size=2000,
    )
    reviews = Review.objects.bulk_create(
        [
            Review(
                school=school,
                plan=plans[i % 2_000],
                date=today - timedelta(days=rng.randint(1, 200)),
                outcome="continue",
                mean_score=rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0]),
            )
            for i in range(4_000)
        ],
        batch_size=2000,
    )
    TargetScore.objects.bulk_create(
        [
            TargetScore(review=r, target=t, score=rng.randint(-2, 2))
            for r in reviews
            for t in (0, 1)
        ],
        batch_size=4000,
    )
    return school, make_staff(school, "admin")


def _floor(sql: str, school) -> list[float]:
    from pupilhub.core.sql import db_uuid

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [db_uuid(school.pk)])
            cursor.fetchall()

    return stats.timed(run)


IMPACT_FLOOR = (
    "SELECT name, COUNT(DISTINCT pupil_id), SUM(cost_pence), AVG(exit_score - entry_score) "
    "FROM documents_provision WHERE school_id = %s AND deleted_at IS NULL GROUP BY name"
)
REGISTER_FLOOR = (
    "SELECT p.id, COUNT(pr.id), SUM(pr.cost_pence) FROM pupils_pupil p "
    "LEFT JOIN documents_provision pr ON pr.pupil_id = p.id AND pr.deleted_at IS NULL "
    "WHERE p.school_id = %s AND p.status = 'active' AND p.sen_status IN ('K', 'E') GROUP BY p.id"
)


def run() -> None:
    from pupilhub.schools.access import staff_access
    from pupilhub.sen import cycle

    school, admin = _school()
    access = staff_access(admin, school.id)
    for name, fn, sql in (
        (
            "SEN impact, 8,000 provisions, 4,000 reviews",
            lambda: cycle.impact(access, {}),
            IMPACT_FLOOR,
        ),
        ("SEN register, 2,000 pupils", lambda: cycle.register(access), REGISTER_FLOOR),
    ):
        ours = stats.timed(fn)
        floor = _floor(sql, school)
        row = stats.Row(
            f"{name} ({connection.vendor})",
            "ms",
            ours,
            "one aggregate query",
            floor,
            target="<= 3x floor",
        )
        row.ok = (row.ratio or 0) <= 3
        stats.add(row)
