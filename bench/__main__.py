"""`make bench`: benchmarks that print their figures (not part of `make test`).

Runs against a throwaway database (SQLite in a temp dir, or the PostgreSQL named by
DATABASE_URL, in a database named `<name>_bench` created and dropped here).
"""

import os
import sys
import tempfile
import time

os.environ.setdefault("PUPILHUB_DATA_DIR", tempfile.mkdtemp(prefix="pupilhub-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
if os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rstrip("/") + "_bench"

import django

django.setup()

from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment


def seed(n_pupils: int = 2000, n_provisions: int = 5000):
    from datetime import date

    from pupilhub.core.testing import make_school, make_staff, make_upn
    from pupilhub.documents.models import Plan, Provision
    from pupilhub.pupils.models import Pupil

    school = make_school("Bench School", year_from=7, year_to=11)
    senco = make_staff(school, "staff", sg=True, email="senco@bench.example.org")
    pupils = []
    for i in range(n_pupils):
        p = Pupil(
            school=school,
            first_name=f"P{i}",
            surname=f"S{i:05d}",
            date_of_birth=date(2012, 1, 1),
            pupil_id=make_upn(i),
            year_group=7 + i % 5,
            tutor_group=f"{7 + i % 5}X",
        )
        p.refresh_match_key()
        pupils.append(p)
    Pupil.objects.bulk_create(pupils, batch_size=1000)
    areas = ["cognition_learning", "communication_interaction", "semh", "sensory_physical"]
    Provision.objects.bulk_create(
        [
            Provision(
                school=school,
                pupil=pupils[i % n_pupils],
                name="Bench",
                area_of_need=areas[i % 4],
                cost_pence=1000 + i,
                start_date=date(2026, 9, 1),
                entry_score=50,
                exit_score=50 + i % 7,
            )
            for i in range(n_provisions)
        ],
        batch_size=1000,
    )
    Plan.objects.bulk_create(
        [
            Plan(
                school=school, pupil=pupils[0], plan_title=f"Plan {i}", start_date=date(2026, 9, 1)
            )
            for i in range(200)
        ]
    )
    if connection.vendor == "postgresql":
        # As autovacuum would have done on a real database: index-only scans work.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return school, senco, pupils[0]


def timed(client, url, repeat=5):
    client.get(url)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        best = min(best, time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return best


def database_url() -> str:
    """The benchmark database as a URL, for the gunicorn process."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = f"{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{host}/{s['NAME']}"


def under_load(school, senco) -> None:
    """Issue 2: the pupil list under 20 concurrent clients vs a bare 50-row view, same run."""
    from django.test import Client

    from bench.load import SETUP, compare, gunicorn

    client = Client()
    client.force_login(senco)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with gunicorn(database_url()) as port:
        bare, pupils = compare(
            port, ("/bench/bare/", ""), (f"/schools/{school.id}/pupils/", cookie)
        )
    print(
        f"pupil list under load ({connection.vendor}, {SETUP}), 20 clients: "
        f"bare 50-row view {bare:.0f} req/s, pupil list {pupils:.0f} req/s, "
        f"ratio {pupils / bare:.2f} (target >= 0.5)"
    )


def senco_admin(school):
    from pupilhub.core.testing import make_staff

    return make_staff(school, "admin", email="admin@bench.example.org")


def main() -> int:
    from django.test import Client
    from django.test.utils import get_runner

    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file, not :memory:, so the gunicorn processes share it.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["PUPILHUB_DATA_DIR"], "bench.sqlite3"
        )
    runner = get_runner(django.conf.settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        school, senco, pupil = seed()
        client = Client()
        client.force_login(senco)
        pm = timed(client, f"/schools/{school.id}/provision-map/")
        print(
            f"provision map, 2,000 pupils / 5,000 provisions: {pm * 1000:.1f} ms server time (target < 500 ms)"
        )
        url = f"/schools/{school.id}/pupils/{pupil.id}/"
        tl = timed(client, url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(f"pupil page with 200+ documents: {tl * 1000:.1f} ms, {len(queries)} queries")
        pl = timed(client, f"/schools/{school.id}/pupils/")
        print(f"pupil list page (50 of 2,000 pupils): {pl * 1000:.1f} ms in-process")
        under_load(school, senco)
        if os.environ.get("BENCH_ONLY") == "load":  # iterate on the concurrency figures alone
            from bench import gateway

            gateway.keys_and_workbook(school, senco_admin(school))
            gateway.parent_page_under_load(school, database_url())
            return 0
        from bench import gateway, messaging, reports, transition

        transition.run()
        gateway.keys_and_workbook(school, senco_admin(school))
        gateway.parent_page_under_load(school, database_url())
        messaging.run(school, senco)
        reports.run(school)
    finally:
        runner.teardown_databases(old)
    return 0


if __name__ == "__main__":
    sys.exit(main())
