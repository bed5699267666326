"""The read-replica router: families' pages and reports read from a streaming replica, while
whoever just changed something reads their own writes from the primary.

The routing rules are tested on any database. On PostgreSQL the module also starts a real
streaming standby of the test server (pg_basebackup, then a second postgres on a free local
port) and checks the routing against it: with replay paused, a family that has not written
sees the replica's older copy, and a family that just saved something sees the primary's.
CI's PostgreSQL leg sets REPLICA_REQUIRED=1, so there it cannot skip.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path
from typing import Any
from unittest import mock

import dj_database_url
import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import DatabaseError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pupilhub.core import replica
from pupilhub.core.replica import REPLICA, ReplicaRouter
from pupilhub.gateway.models import ExternalLink, LicenceType
from pupilhub.pupils.models import Pupil
from pupilhub.testing import Api, make_user

REQUIRED = os.environ.get("REPLICA_REQUIRED") == "1"


_real: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _real_ensure_connection(django_db_blocker: Any) -> None:
    _real["ensure_connection"] = django_db_blocker._real_ensure_connection


@contextmanager
def replica_alias(settings_dict: dict[str, Any]) -> Iterator[None]:
    """Add the `replica` alias for one test (as DATABASE_REPLICA_URL would), then take it away.

    Django's test case refuses connections to aliases it was not told of; the alias is added
    inside the test, so connections use pytest-django's real method (the replica is read-only:
    a test has nothing there to undo)."""
    both = {DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS], REPLICA: settings_dict}
    connections.settings[REPLICA] = connections.configure_settings(both)[REPLICA]
    replica.forget_health()
    try:
        with mock.patch.object(
            BaseDatabaseWrapper, "ensure_connection", _real["ensure_connection"]
        ):
            yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        replica.forget_health()


def _family(personas: Any, email: str) -> tuple[Any, ExternalLink]:
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    lt.access = {"profile": ["first_name", "surname"]}
    lt.save()
    user = make_user(email)
    link = ExternalLink.objects.create(
        user=user, school=personas.school_a, pupil=personas.pupil, licence_type=lt
    )
    return user, link


def _page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the rules, on any database -------------------------------------------------------------


def test_without_a_replica_everything_reads_the_primary(personas):
    user, _link = _family(personas, "mum@example.com")
    with CaptureQueriesContext(connection) as primary:
        assert _page_client(user).get("/my/").status_code == 200
    assert any("gateway_externallink" in q["sql"] for q in primary.captured_queries)
    assert ReplicaRouter().db_for_read(Pupil) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)  # a test's own transaction would pin
def test_an_unreachable_replica_costs_families_nothing(personas, settings):
    """The replica's port answers nothing: pages and the API are served from the primary."""
    settings.REPLICA_CHECK_SECONDS = 60
    user, link = _family(personas, "mum@example.com")
    dead = dj_database_url.parse("postgres://postgres@127.0.0.1:1/none")
    dead["OPTIONS"] = {"connect_timeout": 1}
    with replica_alias(dead):
        page = _page_client(user).get(f"/my/pupils/{link.pk}/")
        api = Api(user).get("/me/pupils")
        assert replica._health["checked"] > 0 and replica._health["ok"] == 0.0  # asked: down
    assert page.status_code == 200
    assert personas.pupil.first_name in page.content.decode()
    assert api.status_code == 200
    assert api.json()["items"][0]["pupil"]["first_name"] == personas.pupil.first_name


def test_a_change_pins_its_author_to_the_primary(personas, settings):
    settings.REPLICA_PIN_SECONDS = 30
    user, link = _family(personas, "mum@example.com")
    other, _ = _family(personas, "dad@example.com")
    dead = dj_database_url.parse("postgres://postgres@127.0.0.1:1/none")
    with replica_alias(dead):
        client = _page_client(user)
        assert not replica.pinned(user.pk)
        client.get("/my/")  # reading pins nobody
        assert not replica.pinned(user.pk)
        r = client.post(f"/my/pupils/{link.pk}/", {"paperless_reports": ""})
        assert r.status_code == 302
        assert replica.pinned(user.pk) and not replica.pinned(other.pk)
        # the API's writes pin too (its token sets request.user inside the view)
        r = Api(other).put(f"/me/pupils/{link.pk}/preferences", {"paperless_reports": True})
        assert r.status_code == 404  # not their link: still a write attempt, still pinned
        assert replica.pinned(other.pk)
    cache.clear()
    client.post(f"/my/pupils/{link.pk}/", {"paperless_reports": "on"})
    assert not replica.pinned(user.pk)  # without a replica there is nothing to pin against


@pytest.mark.django_db(transaction=True)  # a test's own transaction would pin
def test_the_router_keeps_credentials_writes_and_migrations_on_the_primary(personas):
    from django.contrib.sessions.models import Session

    from pupilhub.accounts.models import ApiToken, User

    router = ReplicaRouter()
    user, _ = _family(personas, "mum@example.com")
    request = type("R", (), {"user": user, "method": "GET"})()
    dead = dj_database_url.parse("postgres://postgres@127.0.0.1:1/none")
    with replica_alias(dead):
        replica._health.update(checked=time.monotonic() + 3600, ok=1.0)  # pretend it streams
        token = replica._reads.set(replica._Reads(request))
        try:
            assert router.db_for_read(Pupil) == REPLICA
            for model in (User, ApiToken, Session):
                assert router.db_for_read(model) == DEFAULT_DB_ALIAS
            assert router.db_for_write(Pupil) == DEFAULT_DB_ALIAS
            assert router.db_for_read(Pupil) == DEFAULT_DB_ALIAS  # after a write: its own
        finally:
            replica._reads.reset(token)
        assert router.db_for_read(Pupil) == DEFAULT_DB_ALIAS  # outside a family's view
        assert router.allow_migrate(REPLICA, "pupils") is False
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "pupils") is True


# --- a real streaming replica, on PostgreSQL --------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"REPLICA_REQUIRED=1 but no streaming replica: {why}")
    pytest.skip(f"no streaming replica here ({why}); CI's PostgreSQL leg runs this")


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """A hot standby of the test server on a free local port, streaming from it."""
    if connection.vendor != "postgresql":
        pytest.skip("the streaming replica test needs PostgreSQL (CI's second leg)")
    bins = sorted(glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        _unavailable("no PostgreSQL server binaries")
    pgbin = bins[-1]
    primary = connection.settings_dict
    work = Path(tempfile.mkdtemp(prefix="pupilhub-replica-"))
    work.chmod(0o755)
    data = work / "data"
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = _free_port()
    backup = subprocess.run(
        _as_postgres(
            [
                f"{pgbin}/pg_basebackup",
                "-h",
                primary["HOST"] or "127.0.0.1",
                "-p",
                str(primary["PORT"] or 5432),
                "-U",
                primary["USER"] or "postgres",
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if backup.returncode:
        shutil.rmtree(work, ignore_errors=True)
        _unavailable(f"pg_basebackup: {backup.stderr.strip()[:300]}")
    # A standby needs at least the primary's values of these.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        same = []
        for name in (
            "max_connections",
            "max_worker_processes",
            "max_wal_senders",
            "max_prepared_transactions",
            "max_locks_per_transaction",
        ):
            cursor.execute(f"SHOW {name}")
            same.append(f"{name} = {cursor.fetchone()[0]}\n")
    for name, text in (
        ("postgresql.conf", "hot_standby = on\n" + "".join(same)),
        ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"),
        ("pg_ident.conf", ""),
    ):
        (data / name).write_text(text)
        if os.geteuid() == 0:
            shutil.chown(data / name, "postgres")
    start = subprocess.run(
        _as_postgres(
            [
                f"{pgbin}/pg_ctl",
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-w",
                "-o",
                f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if start.returncode:
        log = (data / "server.log").read_text()[-500:] if (data / "server.log").exists() else ""
        shutil.rmtree(work, ignore_errors=True)
        _unavailable(f"the standby did not start: {start.stderr.strip()[:200]} {log}")
    settings_dict = dict(primary)
    settings_dict.update(HOST="127.0.0.1", PORT=port, CONN_MAX_AGE=0)
    try:
        yield settings_dict
    finally:
        subprocess.run(
            _as_postgres([f"{pgbin}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(work, ignore_errors=True)


def _on_replica(sql: str) -> Any:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _caught_up(timeout: float = 30) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _on_replica(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"):
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def _paused(timeout: float = 30) -> None:
    _on_replica("SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + timeout
    while _on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline, "replay did not pause"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_families_read_the_replica_and_read_their_own_writes(streaming_replica, personas, settings):
    settings.REPLICA_CHECK_SECONDS = 0  # ask the standby every time: it is paused and resumed
    settings.REPLICA_PIN_SECONDS = 30
    mum, mums_link = _family(personas, "mum@example.com")
    dad, dads_link = _family(personas, "dad@example.com")
    old_name = personas.pupil.first_name
    with replica_alias(streaming_replica):
        assert _on_replica("SELECT pg_is_in_recovery()") is True
        _caught_up()
        mum_page, dad_page = _page_client(mum), _page_client(dad)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert old_name in mum_page.get("/my/").content.decode()
        assert any("gateway_externallink" in q["sql"] for q in on_replica.captured_queries)

        _paused()  # the standby now lags: what the primary commits next is not there yet
        Pupil.objects.filter(pk=personas.pupil.pk).update(first_name="Renamed")

        # Neither parent has written: both read the replica's older copy, pages and API alike.
        assert "Renamed" not in mum_page.get("/my/").content.decode()
        assert old_name in dad_page.get(f"/my/pupils/{dads_link.pk}/").content.decode()
        mine = Api(mum).get("/me/pupils").json()["items"][0]
        assert mine["pupil"]["first_name"] == old_name
        # Staff pages never read the replica.
        staff = personas.api("admin").get(
            f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}"
        )
        assert staff.json()["first_name"] == "Renamed"

        # Mum saves a preference: from now on she reads the primary (read-your-writes) ...
        r = mum_page.post(f"/my/pupils/{mums_link.pk}/", {"paperless_reports": ""})
        assert r.status_code == 302
        after = mum_page.get(f"/my/pupils/{mums_link.pk}/").content.decode()
        assert "Renamed" in after
        assert Api(mum).get("/me/pupils").json()["items"][0]["paperless_reports"] is False
        # ... while Dad, who wrote nothing, still reads the replica.
        assert "Renamed" not in dad_page.get("/my/").content.decode()

        # The standby is read-only: nothing can be written through it by mistake.
        with pytest.raises(DatabaseError):
            Pupil.objects.using(REPLICA).filter(pk=personas.pupil.pk).update(first_name="X")
        connections[REPLICA].close()

        _on_replica("SELECT pg_wal_replay_resume()")
        _caught_up()
        assert "Renamed" in dad_page.get("/my/").content.decode()
