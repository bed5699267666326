"""`make bench-scale`: the heaviest daily work against a national-size database.

PostgreSQL only (the server named by DATABASE_URL, default the local one). Migrates one
template database, then builds two worlds from it in the same way, entirely in SQL
(`generate_series`): 200 schools, then SCALE_SCHOOLS (24,000) schools with a realistic spread
of rolls (seven in ten primaries of 60-499 pupils, two in ten secondaries of 400-1,699,
one in ten special schools of 30-199, one school of 2,000: about 10M pupils in all). On
each it measures, min / median / max where a figure is repeatable:

- the 10-minute dispatch: claiming a batch of 500 from the queued backlog (SCALE_BACKLOG,
  1M, spread over the schools; 200/24,000 of it in the small world), and one batch sent;
- the nightly retention purge for every school (the sent-mail history already purged, a
  few messages a school due to be);
- the 1 July invoices for every school;
- pages of a median school and of the largest: pupil list, dashboard, a pupil's page, and
  the audit log's first and oldest page with SCALE_AUDIT (5M) events in the largest school.

Each figure prints beside the one at 200 schools, with the growth between them, and the
table sizes of the big world print after. SCALE_KEEP=1 keeps the databases.
"""

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

os.environ.setdefault("PUPILHUB_DATA_DIR", tempfile.mkdtemp(prefix="pupilhub-scale-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
BASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pupilhub"
PREFIX = BASE_URL.rsplit("/", 1)[1] + "_scale"
os.environ["DATABASE_URL"] = BASE_URL.rsplit("/", 1)[0] + f"/{PREFIX}_template"
os.environ.setdefault("CONN_MAX_AGE", "0")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import timezone

SCHOOLS = int(os.environ.get("SCALE_SCHOOLS", "24000"))
SMALL = 200
BACKLOG = int(os.environ.get("SCALE_BACKLOG", "1000000"))
AUDIT = int(os.environ.get("SCALE_AUDIT", "5000000"))
LARGEST = 2000
RUNS = 5
TEMPLATE = f"{PREFIX}_template"
INVOICE_DAY = date(timezone.localdate().year + 1, 7, 1)


def say(text: str) -> None:
    print(text, flush=True)


# --- databases --------------------------------------------------------------------------------


def _admin_sql(*statements: str) -> None:
    """Statements outside any database of ours (CREATE/DROP DATABASE)."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        for statement in statements:
            admin.execute(statement)


def _use(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name


def _template() -> dict[str, Any]:
    """A migrated database holding one school of each kind we clone, made by the ORM."""
    from pupilhub.billing.models import Subscription
    from pupilhub.gateway.models import ExternalLink, LicenceType
    from pupilhub.messaging.models import Delivery, Message
    from pupilhub.testing import make_pupil, make_school, make_staff, make_user

    _use("postgres")
    _admin_sql(
        f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)', f'CREATE DATABASE "{TEMPLATE}"'
    )
    _use(TEMPLATE)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    school = make_school("Template School", lea="123", estab="4567")
    pupil = make_pupil(school)
    staff = make_staff(school, role="admin")
    Subscription.objects.create(
        school=school,
        activated_on=INVOICE_DAY - timedelta(days=400),
        first_invoice_date=INVOICE_DAY - timedelta(days=365),
        next_invoice_date=INVOICE_DAY,
    )
    parent_type = LicenceType.objects.get(school=school, kind="parent")
    parent = make_user("family@example.org")
    link = ExternalLink.objects.create(
        user=parent, school=school, pupil=pupil, licence_type=parent_type
    )
    message = Message.objects.create(
        school=school,
        sender=staff,
        subject="Parents' evening",
        html_body="<p>Hello</p>",
        spec={"licence_types": [str(parent_type.pk)]},
        send_after=timezone.now() - timedelta(hours=1),
    )
    Delivery.objects.create(
        message=message,
        user=parent,
        email="family@example.org",
        pupil_ids=[str(pupil.pk)],
        pupil_names="A Pupil",
        mail_id="<template@pupilhub.example>",
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    ids = {
        "school": school.pk,
        "pupil": pupil.pk,
        "message": message.pk,
        "link": link.pk,
        "staff": staff.pk,
    }
    connection.close()
    say(f"template database migrated in {time.perf_counter() - started:.0f} s")
    return ids


def _clone(table: str, template_id: Any, source: str, overrides: dict[str, str]) -> int:
    """INSERT INTO table a copy of its template row for each row of `source` (SQL FROM
    text, aliased g), each column from `overrides` where given."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        columns = [r[0] for r in cursor.fetchall()]
        unknown = set(overrides) - set(columns)
        assert not unknown, (table, unknown)
        values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table} t, {source}"
        cursor.execute(sql.replace("%", "%%") + " WHERE t.id = %s", [template_id])
        return cursor.rowcount


def _without_indexes(table: str, fill: Callable[[], None]) -> None:
    """Fill a table with its secondary indexes dropped, then build them again (minutes
    faster than keeping 6 indexes up to date through 10M inserts)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    fill()
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {table}")


def _roll_sql() -> str:
    return (
        "CASE WHEN g % 10 < 7 THEN 60 + (g::bigint * 7919) % 440 "
        "WHEN g % 10 < 9 THEN 400 + (g::bigint * 104729) % 1300 "
        "ELSE 30 + (g * 31) % 170 END"
    )


def build(n: int, ids: dict[str, Any]) -> dict[str, Any]:
    """A world of n schools, cloned from the template in SQL; two of them (the median and
    the largest) are the template's kind of real school with staff who can sign in."""
    from pupilhub.testing import make_school, make_staff

    name = f"{PREFIX}_{n}"
    _use("postgres")
    _admin_sql(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"',
    )
    _use(name)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
        cursor.execute("SET maintenance_work_mem TO '1GB'")
        cursor.execute(
            "CREATE TABLE gen_school AS SELECT g, gen_random_uuid() AS id, "
            f"({_roll_sql()})::int AS roll FROM generate_series(1, {n - 2}) g"
        )
        cursor.execute("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY roll) FROM gen_school")
        median_roll = cursor.fetchone()[0]
    _clone(
        "schools_school",
        ids["school"],
        "gen_school g",
        {
            "id": "g.id",
            "name": "'School ' || g.g",
            "join_code": "NULL",
            "urn": "lpad((100000 + g.g)::text, 6, '0')",
            "estab": "lpad((g.g % 10000)::text, 4, '0')",
        },
    )
    median = make_school("Median School", lea="123", estab="0001")
    largest = make_school("Largest School", lea="123", estab="0002")
    staff = {
        "median": make_staff(median, role="main_admin", sg=True),
        "largest": make_staff(largest, role="main_admin", sg=True),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO gen_school (g, id, roll) VALUES (%s, %s, %s), (%s, %s, %s)",
            [n - 1, median.pk, median_roll, n, largest.pk, LARGEST],
        )

    def pupils() -> None:
        years = "7 + (g.p % 5)"
        _clone(
            "pupils_pupil",
            ids["pupil"],
            "(SELECT s.id AS school, p FROM gen_school s, generate_series(1, s.roll) p) g",
            {
                "id": "gen_random_uuid()",
                "school_id": "g.school",
                "first_name": "(ARRAY['Amara','Ben','Chloe','Dev','Ellie','Finn','Grace'])"
                "[1 + g.p % 7]",
                "surname": "'Pupil' || g.p",
                "pupil_id": "'P' || g.p",
                "year_group": years,
                "date_of_birth": f"DATE '2014-09-01' - (({years}) - 7) * 365 + g.p % 300",
                "match_key": "'pupil' || g.p",
                "match_name": "'pupil' || g.p",
                "search_text": "'pupil' || g.p",
            },
        )

    _without_indexes("pupils_pupil", pupils)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pupils_pupil")
        pupil_count = cursor.fetchone()[0]
    subs = _subscriptions(ids)
    backlog = BACKLOG * n // SCHOOLS
    _mail(ids, n, backlog)
    _audit(largest, staff["largest"], AUDIT * n // SCHOOLS if n < SCHOOLS else AUDIT)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE gen_school, gen_message")
        cursor.execute("VACUUM ANALYZE")
    say(
        f"{n:,} schools, {pupil_count:,} pupils, {subs:,} subscriptions, "
        f"{backlog:,} queued mails built in {time.perf_counter() - started:.0f} s"
    )
    return {
        "median": median,
        "largest": largest,
        "staff": staff,
        "pupils": pupil_count,
        "backlog": backlog,
        "name": name,
    }


def _first_id(table: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} LIMIT 1")
        return cursor.fetchone()[0]


def _subscriptions(ids: dict[str, Any]) -> int:
    """Every school invoiced each 1 July (the template's own subscription stays)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM billing_subscription LIMIT 1")
        template = cursor.fetchone()[0]
    return _clone(
        "billing_subscription",
        template,
        f"(SELECT id FROM schools_school WHERE id <> '{ids['school']}') g",
        {"id": "gen_random_uuid()", "school_id": "g.id"},
    )


def _mail(ids: dict[str, Any], n: int, backlog: int) -> None:
    """The queued backlog (one message a school, 500 recipients each, over as many schools
    as it takes), and a purged history: two sent deliveries a pupil-year are far too many,
    so 50 a school, blanked already, and 5 a school past the policy still to blank."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE gen_message AS SELECT s.id AS school, gen_random_uuid() AS id, "
            "row_number() OVER (ORDER BY s.id) AS k, "
            "(SELECT p.id FROM pupils_pupil p WHERE p.school_id = s.id LIMIT 1) AS pupil "
            "FROM schools_school s"
        )
        cursor.execute(
            "INSERT INTO gen_message SELECT s.id, gen_random_uuid(), -row_number() OVER (), NULL "
            "FROM schools_school s"
        )
    # Past the 90 days after which addresses are blanked, inside the 400 after which the
    # rows go: a normal night's history, not a first night's clear-out.
    old = timezone.now() - timedelta(days=200)
    _clone(
        "messaging_message",
        ids["message"],
        "gen_message g",
        {
            "id": "g.id",
            "school_id": "g.school",
            "created_at": f"CASE WHEN g.k < 0 THEN TIMESTAMPTZ '{old.isoformat()}' "
            "ELSE t.created_at END",
        },
    )
    template = _first_id("messaging_delivery")
    queued = backlog // 500 + 1
    # The family is linked to a pupil at each school with queued mail, so the dispatcher
    # sends rather than cancels (its re-check reads the links).
    _clone(
        "gateway_externallink",
        ids["link"],
        f"(SELECT * FROM gen_message WHERE k BETWEEN 1 AND {queued} "
        "AND school <> '%s') g" % ids["school"],
        {"id": "gen_random_uuid()", "school_id": "g.school", "pupil_id": "g.pupil"},
    )

    def deliveries() -> None:
        _clone(
            "messaging_delivery",
            template,
            f"(SELECT m.id AS message, m.pupil, m.k * 1000 + r AS r FROM gen_message m, "
            f"generate_series(1, 500) r WHERE m.k BETWEEN 1 AND {queued}) g",
            {
                "id": "nextval('messaging_delivery_id_seq')",
                "message_id": "g.message",
                "mail_id": "'<q' || g.r || '@pupilhub.example>'",
                "pupil_ids": "jsonb_build_array(g.pupil::text)",
            },
        )
        with connection.cursor() as cursor:  # the backlog is exactly `backlog` rows
            cursor.execute(
                "DELETE FROM messaging_delivery WHERE id IN (SELECT id FROM messaging_delivery "
                "WHERE status = 'queued' ORDER BY id DESC LIMIT "
                "(SELECT greatest(count(*) - %s, 0) FROM messaging_delivery "
                "WHERE status = 'queued'))",
                [backlog],
            )
        _clone(
            "messaging_delivery",
            template,
            "(SELECT m.id AS message, -m.k * 1000 + r AS r FROM gen_message m, "
            "generate_series(1, 55) r WHERE m.k < 0) g",
            {
                "id": "nextval('messaging_delivery_id_seq')",
                "message_id": "g.message",
                "mail_id": "'<s' || g.r || '@pupilhub.example>'",
                "status": "'sent'",
                "sent_at": f"TIMESTAMPTZ '{old.isoformat()}'",
                "email": "CASE WHEN g.r % 1000 <= 5 THEN 'family@example.org' ELSE '' END",
                "pupil_names": "CASE WHEN g.r % 1000 <= 5 THEN 'A Pupil' ELSE '' END",
            },
        )

    _without_indexes("messaging_delivery", deliveries)


def _audit(school: Any, actor: Any, events: int) -> None:
    """`events` audit rows for the largest school, 30 s apart back from now (5M span 4.75
    years: all inside the 7 years audit events are kept, as on a normal night)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'core_auditevent'"
        )
        columns = {r[0] for r in cursor.fetchall()}
        values = {
            "id": "gen_random_uuid()",
            "school_id": "%(school)s",
            "actor_id": "%(actor)s",
            "actor_kind": "'staff'",
            "action": "(ARRAY['pupil.viewed','plan.updated','provision.created'])[1 + g %% 3]",
            "safeguarding": "false",
            "object_type": "'pupil'",
            "object_id": "g::text",
            "pupil": "''",
            "at": "now() - g * interval '30 seconds'",
            "detail": "'{}'::jsonb",
        }
        missing = {c for c in columns if c not in values}
        assert not missing, missing  # a new NOT NULL column needs a value here
        names = ", ".join(values)

    def fill() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO core_auditevent ({names}) SELECT {', '.join(values.values())} "
                "FROM generate_series(1, %(n)s) g",
                {"school": school.pk, "actor": actor.pk, "n": events},
            )

    _without_indexes("core_auditevent", fill)


# --- the daily work ---------------------------------------------------------------------------


def timed(fn: Callable[[], Any], runs: int = RUNS) -> list[float]:
    from bench.stats import timed as stats_timed

    return stats_timed(fn, runs, warm=False)


def measure(world: dict[str, Any]) -> dict[str, list[float]]:
    from pupilhub.billing.actions import raise_due_invoices
    from pupilhub.core.keyset import cursor_value, write_cursor
    from pupilhub.core.models import AuditEvent
    from pupilhub.messaging.actions import claim
    from pupilhub.messaging.dispatch import dispatch
    from pupilhub.messaging.models import Delivery
    from pupilhub.privacy.purge import purge_all
    from pupilhub.pupils.models import Pupil

    figures: dict[str, list[float]] = {}

    def claimed() -> float:
        start = time.perf_counter()
        ids = claim(500, None, "bench")
        took = time.perf_counter() - start
        assert len(ids) == 500, len(ids)
        Delivery.objects.filter(id__in=ids).update(status="queued", run_id="", lease_until=None)
        return took

    claimed()  # warm
    figures["claim 500 of the queued backlog (ms)"] = [claimed() * 1000 for _ in range(RUNS)]
    from django.core.mail import get_connection

    sink = get_connection("django.core.mail.backends.locmem.EmailBackend")
    start = time.perf_counter()
    with_limit = dispatch(batch=500, connection=_Limited(sink, 2000))
    figures["dispatch 2,000 mails to a local sink (s)"] = [time.perf_counter() - start]
    assert with_limit["sent"] >= 2000 or with_limit["retrying"] >= 0

    start = time.perf_counter()
    result = purge_all()
    purge = time.perf_counter() - start
    assert result.get("sent_mail_addresses", 0) > 0, result
    figures["nightly purge, every school (s)"] = [purge]
    start = time.perf_counter()
    purge_all()
    figures["nightly purge again, nothing left (s)"] = [time.perf_counter() - start]

    start = time.perf_counter()
    raised = raise_due_invoices(INVOICE_DAY)
    figures["1 July invoices, every school (s)"] = [time.perf_counter() - start]
    assert raised >= world["schools"] - 1, raised

    # Warm the process (code, templates) on the template school, so "cold" below means
    # the school's data, not Python's first import.
    from pupilhub.accounts.models import User

    warm = Client()
    warm.force_login(User.objects.get(pk=world["ids"]["staff"]))
    template = world["ids"]["school"]
    for url in (
        f"/schools/{template}/pupils/",
        f"/schools/{template}/",
        f"/schools/{template}/pupils/{world['ids']['pupil']}/",
        f"/schools/{template}/audit/",
    ):
        warm.get(url)
    for which in ("median", "largest"):
        school, user = world[which], world["staff"][which]
        client = Client()
        client.force_login(user)
        pupil = Pupil.objects.filter(school=school).order_by("surname").first()
        assert pupil is not None
        for page, url in (
            ("pupil list", f"/schools/{school.id}/pupils/"),
            ("dashboard", f"/schools/{school.id}/"),
            ("a pupil's page", f"/schools/{school.id}/pupils/{pupil.id}/"),
        ):

            def get(url: str = url, client: Client = client) -> None:
                response = client.get(url, follow=False)
                assert response.status_code == 200, (url, response.status_code)

            start = time.perf_counter()
            get()
            figures[f"{page}, {which} school, cold (ms)"] = [(time.perf_counter() - start) * 1000]
            figures[f"{page}, {which} school (ms)"] = [t * 1000 for t in timed(get)]

    school, user = world["largest"], world["staff"]["largest"]
    client = Client()
    client.force_login(user)
    oldest = (
        AuditEvent.objects.filter(school=school).order_by("at", "id").values_list("at", "id")[50:51]
    )
    (at, pk) = next(iter(oldest))
    cursor = write_cursor({"k": [cursor_value(at), cursor_value(pk)]})
    events = AuditEvent.objects.filter(school=school).count()
    for page, url in (
        ("audit log page 1", f"/schools/{school.id}/audit/"),
        ("audit log last page", f"/schools/{school.id}/audit/?cursor={cursor}"),
    ):

        def get_audit(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        get_audit()
        figures[f"{page}, largest school (ms)"] = [t * 1000 for t in timed(get_audit)]
    say(f"  ({world['schools']:,} schools: {events:,} audit events in the largest school)")
    return figures


class _Limited:
    """A mail connection that takes `limit` messages, then is 'down' (so one dispatch run
    sends a bounded number from a 1M backlog, the rest left waiting as after an outage)."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner, self.left = inner, limit

    def open(self) -> Any:
        return self.inner.open()

    def close(self) -> Any:
        return self.inner.close()

    def send_messages(self, messages: list[Any]) -> int:
        if self.left <= 0:
            raise ConnectionError("bench: enough sent")  # read as the relay being down
        self.left -= len(messages)
        return self.inner.send_messages(messages)


def sizes() -> list[tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)), c.reltuples::bigint "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 12"
        )
        return cursor.fetchall()


def _fmt(runs: list[float]) -> str:
    if len(runs) == 1:
        return f"{runs[0]:,.1f}"
    return f"{min(runs):,.1f} / {statistics.median(runs):,.1f} / {max(runs):,.1f}"


def main() -> int:
    if connection.vendor != "postgresql":
        say("bench-scale needs PostgreSQL: set DATABASE_URL (the local server is the default)")
        return 2
    setup_test_environment()
    total = time.perf_counter()
    ids = _template()
    results = {}
    table_sizes: list[tuple[str, str, int]] = []
    for n in (SMALL, SCHOOLS):
        world = build(n, ids)
        world["schools"] = n
        world["ids"] = ids
        results[n] = measure(world)
        if n == SCHOOLS:
            table_sizes = sizes()
        connection.close()
    say("")
    say(
        f"bench-scale: {SMALL} schools beside {SCHOOLS:,} (single figures are one run; "
        "others min / median / max of 5)"
    )
    width = max(len(k) for k in results[SCHOOLS])
    say(f"{'figure':<{width}}  {f'{SMALL} schools':>24}  {f'{SCHOOLS:,} schools':>24}  growth")
    for key, big in results[SCHOOLS].items():
        small = results[SMALL].get(key, [])
        growth = statistics.median(big) / statistics.median(small) if small else float("nan")
        say(f"{key:<{width}}  {_fmt(small):>24}  {_fmt(big):>24}  {growth:5.2f}x")
    say("")
    say(f"largest tables at {SCHOOLS:,} schools: name, size, rows")
    for name, size, rows in table_sizes:
        say(f"  {name:<40} {size:>10} {rows:>14,}")
    say(f"bench-scale took {(time.perf_counter() - total) / 60:.1f} minutes")
    if os.environ.get("SCALE_KEEP") != "1":
        _use("postgres")
        _admin_sql(
            *(f'DROP DATABASE IF EXISTS "{PREFIX}_{n}" WITH (FORCE)' for n in (SMALL, SCHOOLS)),
            f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)',
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
