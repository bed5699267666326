"""`make bench`: benchmarks that print their figures (not part of `make test`).

A database of 200 schools x 1,000 pupils (SQLite in a temp dir, or the PostgreSQL named by
DATABASE_URL, in a database `<name>_bench` created and dropped here). Every figure is the
min / median / max of at least five runs, beside a floor measured in the same run: a bare
view filtering by school on the same index, INSERT ... SELECT for the transfer copy, a raw
smtplib loop to a sink in its own process, bare ReportLab pages. `BENCH_ONLY=web,mail,...`
runs a subset (import, web, scale, transfer, sen, history, keys, mail, reports).
"""

import os
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("PUPILHUB_DATA_DIR", tempfile.mkdtemp(prefix="pupilhub-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
if os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rstrip("/") + "_bench"

import django

django.setup()

from django.db import connection
from django.test.utils import setup_test_environment


def database_url() -> str:
    """The benchmark database as a URL, for the gunicorn and worker processes."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = f"{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{host}/{s['NAME']}"


def wanted(part: str) -> bool:
    only = os.environ.get("BENCH_ONLY", "")
    return not only or part in only.split(",")


def at_scale(w: Any) -> None:
    """Everything measured on the 200-school world; a part that fails prints as FAILED
    and the rest still run."""
    from bench import gateway, history, messaging, reports, sen, transition, web
    from bench.stats import guarded

    if wanted("scale"):
        guarded("pages at scale", lambda: web.pages_at_scale(w))
    if wanted("web"):
        guarded("web under load", lambda: web.under_load(w, database_url()))
    if wanted("transfer"):
        guarded("transfer", transition.run)
    if wanted("sen"):
        guarded("SEN cycle", sen.run)
    if wanted("history"):
        guarded("history", lambda: history.run(w))
    if any(wanted(p) for p in ("keys", "reports")):
        big, big_admin = gateway.big_school()
        if wanted("keys"):
            guarded("licence keys", lambda: gateway.keys_and_workbooks(big, big_admin))
    if wanted("mail"):
        guarded("mass mail", lambda: messaging.run(w.schools[1], w.admins[1]))
    if wanted("reports"):
        guarded(
            "print runs",
            lambda: reports.print_runs(w.schools[2], [7, 8, 9, 10, 11], database_url()),
        )
        guarded("one report", lambda: reports.one_report(w.schools[2]))
        guarded("print runs (big school)", lambda: reports.print_runs(big, [7, 8], database_url()))


def main() -> int:
    from django.conf import settings
    from django.test.utils import get_runner

    from bench import stats
    from bench.load import redis_url

    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file, not :memory:, so the gunicorn and worker processes share it.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["PUPILHUB_DATA_DIR"], "bench.sqlite3"
        )
    if redis_url():
        import redis

        redis.Redis.from_url(redis_url()).flushdb()  # the bench's own database number only
    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    started = time.perf_counter()
    try:
        from bench import imports, world

        if wanted("import"):
            stats.guarded("imports", imports.run)
        parts = ("scale", "web", "transfer", "sen", "history", "keys", "mail", "reports")
        if any(wanted(p) for p in parts):
            at_scale(world.seed())
    finally:
        runner.teardown_databases(old)
    print()
    print(
        f"pupilhub benchmarks on {connection.vendor}, {os.cpu_count()} cores, "
        f"{time.perf_counter() - started:.0f} s; {stats.RUNS} runs each"
    )
    print(stats.table())
    missed = [r.name for r in stats.ROWS if r.ok is False]
    if missed:
        print(f"\nmissed targets: {'; '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
