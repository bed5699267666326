"""Faults injected into real processes (issue 27). Run with `make faults`.

Each test prints a FAULT line with its figures: duplicates and losses (target 0 and 0),
and how long recovery took."""

import os
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from faults.conftest import report, spawn, wait_for
from pupilhub.core.models import JobLock, OutboxItem
from pupilhub.gateway.models import LicenceType
from pupilhub.messaging.models import Delivery, Message
from pupilhub.messaging.tests.conftest import family
from pupilhub.testing import make_pupil

pytestmark = pytest.mark.django_db(transaction=True)


def _message(personas, families: int) -> Message:
    from pupilhub.messaging import actions
    from pupilhub.schools.access import staff_access

    pupils = [make_pupil(personas.school_a, year_group=8) for _ in range(families)]
    for i, pupil in enumerate(pupils):
        family(personas.school_a, pupil, f"parent{i}@example.org")
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    access = staff_access(personas.admin, personas.school_a.id)
    spec = {"pupils": [str(p.id) for p in pupils], "licence_types": [str(parent.id)]}
    message = actions.do_queue(access, "Trip", "<p>Hello</p>", spec)
    Delivery.objects.update(next_attempt_at=timezone.now())
    return message


def _leases_run_out() -> None:
    """What waiting out the lease would do (the dead run renews nothing)."""
    past = timezone.now() - timedelta(seconds=1)
    Delivery.objects.filter(status="sending").update(lease_until=past)
    JobLock.objects.update(until=past)


@pytest.mark.parametrize("lanes", [1, 4])
def test_worker_killed_mid_dispatch(personas, relay, lanes):
    """One connection: killed as it starts the 11th message, exactly 10 went and none goes
    twice. Four lanes: another lane may have had a message accepted an instant before the
    kill and not yet marked; at most lanes - 1 go again, with the same Message-ID (which
    mailbox providers fold into one). Nothing is ever lost."""
    _message(personas, 30)
    worker = spawn(["dispatch_mail"], relay.port, MAIL_CONNECTIONS=str(lanes))
    relay.kill_at = (11, worker.pid)  # killed as it starts the 11th message
    worker.wait(timeout=60)
    assert worker.returncode == -9
    sent_before = sum(relay.accepted.values())
    _leases_run_out()
    start = time.monotonic()
    second = spawn(["dispatch_mail"], relay.port, MAIL_CONNECTIONS=str(lanes))
    assert second.wait(timeout=60) == 0
    lost = 30 - len(relay.accepted)
    report(
        f"worker kill mid-dispatch, {lanes} SMTP connection(s)",
        sent_before_kill=sent_before,
        duplicates=relay.duplicates,
        lost=lost,
        recovery_s=round(time.monotonic() - start, 2),
    )
    assert lost == 0
    if lanes == 1:
        assert sent_before == 10 and relay.duplicates == 0
    else:
        assert sent_before >= 10 and relay.duplicates <= lanes - 1


@pytest.mark.parametrize(("lanes", "count"), [(1, 20), (4, 60)])
def test_slow_relay_with_the_next_run_starting(personas, relay, settings, lanes, count):
    """The lease is 3 s here and each message takes 0.3 s: 20 messages on one connection
    (60 on four) outlast it. The next run starts meanwhile, as the 10-minute beat would
    start one during a slow hour."""
    _message(personas, count)
    relay.rcpt_delay = 0.3
    first = spawn(["dispatch_mail"], relay.port, MAIL_CONNECTIONS=str(lanes))
    wait_for(lambda: sum(relay.accepted.values()) >= 2)
    time.sleep(4)  # past the lease: without renewal the rows would be claimed again
    second = spawn(["dispatch_mail"], relay.port, MAIL_CONNECTIONS=str(lanes))
    assert second.wait(timeout=90) == 0 and first.wait(timeout=90) == 0
    report(
        f"slow relay, {lanes} SMTP connection(s)",
        duplicates=relay.duplicates,
        lost=count - len(relay.accepted),
    )
    assert relay.duplicates == 0 and len(relay.accepted) == count


def _redis(*args: str) -> None:
    subprocess.run(
        ["redis-cli", "-p", os.environ["FAULTS_REDIS_PORT"], *args],
        check=False,
        capture_output=True,
    )


def _start_redis() -> None:
    subprocess.Popen(
        [
            "redis-server",
            "--port",
            os.environ["FAULTS_REDIS_PORT"],
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            os.environ["FAULTS_WORK"],
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(
        lambda: (
            subprocess.run(
                ["redis-cli", "-p", os.environ["FAULTS_REDIS_PORT"], "ping"], capture_output=True
            ).returncode
            == 0
        ),
        10,
    )


def test_redis_stopped_pages_serve_and_nothing_is_lost(personas, settings):
    from config.celery import app
    from pupilhub.core import outbox
    from pupilhub.testing import Api

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    try:
        web, api = personas.web("teacher"), Api(personas.teacher)
        pupils = f"/schools/{personas.school_a.id}/pupils/"
        assert web.get(pupils).status_code == 200
        _redis("shutdown", "nosave")
        start = time.monotonic()
        answers = [web.get(pupils).status_code for _ in range(20)]
        answers += [
            api.get(f"/schools/{personas.school_a.id}/pupils").status_code for _ in range(20)
        ]
        reset = Api(None).post("/auth/password-reset", {"email": personas.teacher.email})
        answers.append(200 if reset.status_code == 202 else reset.status_code)
        kept = OutboxItem.objects.count()
        outage_s = round(time.monotonic() - start, 2)
        _start_redis()
        handed = outbox.drain()
        report(
            "redis stop",
            errors=sum(a != 200 for a in answers),
            requests=len(answers),
            outage_s=outage_s,
            jobs_kept=kept,
            jobs_handed_over=handed,
        )
        assert all(a == 200 for a in answers) and kept >= 1 and handed == kept
        assert not OutboxItem.objects.exists()
    finally:
        app.conf.task_always_eager = True
        if subprocess.run(
            ["redis-cli", "-p", os.environ["FAULTS_REDIS_PORT"], "ping"], capture_output=True
        ).returncode:
            _start_redis()


def _get(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # no answer at all


def test_postgresql_restart_recovers_without_restarting_processes(personas):
    from faults.conftest import free_port

    port = free_port()
    server = spawn(["runserver", f"127.0.0.1:{port}", "--noreload"])
    try:
        ready = f"http://127.0.0.1:{port}/readyz"
        wait_for(lambda: _get(ready) == 200, 30, 0.2)
        data = os.path.join(os.environ["FAULTS_WORK"], "pg")
        pg_ctl = f"{os.environ['FAULTS_PGBIN']}/pg_ctl"
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                pg_ctl,
                "-D",
                data,
                "-m",
                "fast",
                "-w",
                "restart",
                "-l",
                os.path.join(data, "server.log"),
            ],
            check=True,
            capture_output=True,
        )
        connections.close_all()  # this test's own connection died with the restart too
        start = time.monotonic()
        answers = []
        while time.monotonic() - start < 30:
            answers.append(_get(ready))
            if answers[-1] == 200:
                break
            time.sleep(0.2)
        after = [_get(ready) for _ in range(10)]
        report(
            "postgresql restart",
            answers_until_recovered=answers,
            recovery_s=round(time.monotonic() - start, 2),
            errors_after=sum(a != 200 for a in after),
        )
        assert answers[-1] == 200 and all(a == 200 for a in after)
        assert server.poll() is None  # the same process served throughout
    finally:
        server.kill()


def test_the_trial_limit_holds_in_ten_races(personas):
    from pupilhub.gateway import licences
    from pupilhub.gateway.models import LicenceKey
    from pupilhub.schools.access import staff_access

    lt = LicenceType.objects.get(school=personas.school_a, kind="pupil")
    over = 0
    for _ in range(10):
        LicenceKey.objects.filter(licence_type=lt).delete()
        groups = [[make_pupil(personas.school_a) for _ in range(5)] for _ in range(2)]

        def generate(user, pupils):
            try:
                licences.do_generate_keys(staff_access(user, personas.school_a.id), lt, pupils)
            except Exception:
                pass
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=generate, args=(u, g))
            for u, g in zip((personas.admin, personas.main_admin), groups, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        live = LicenceKey.objects.filter(licence_type=lt, revoked_at__isnull=True).count()
        over += live > 5
    report("trial race", races=10, races_over_limit=over)
    assert over == 0
    assert connection.vendor == "postgresql"


def _kill_when(process, check, seconds=60.0):
    wait_for(lambda: check() or process.poll() is not None, seconds, 0.02)
    process.kill()
    process.wait(timeout=30)


def test_worker_killed_mid_transfer_finishes_after_the_sweeper(personas):
    from pupilhub.documents.models import Plan
    from pupilhub.testing import make_school
    from pupilhub.transition import jobs
    from pupilhub.transition.models import Cluster, ClusterMembership, TransferItem, TransferRequest

    sending, receiving = make_school("Sending"), make_school("Receiving")
    cluster = Cluster.objects.create(name="Faults")
    for school in (sending, receiving):
        ClusterMembership.objects.create(cluster=cluster, school=school, status="active")
    req = TransferRequest.objects.create(
        from_school=sending,
        to_school=receiving,
        document_types=["plans"],
        status="running",
        heartbeat_at=timezone.now(),
    )
    for i in range(600):
        old = make_pupil(sending, first_name=f"Child{i}")
        new = make_pupil(receiving, first_name=f"Child{i}", pupil_id=old.pupil_id)
        Plan.objects.create(school=sending, pupil=old, plan_title="Plan", start_date="2026-09-01")
        TransferItem.objects.create(request=req, pupil=new)
    TransferRequest.objects.filter(pk=req.pk).update(total=600)
    code = (
        "from pupilhub.transition.jobs import run_items; "
        "from pupilhub.transition.models import TransferItem as T; "
        f"run_items('{req.pk}', list(T.objects.filter(request_id='{req.pk}').values_list('pk', flat=True)))"
    )
    worker = spawn(["shell", "-c", code])
    _kill_when(worker, lambda: TransferRequest.objects.get(pk=req.pk).done >= 50)
    done_at_kill = TransferRequest.objects.get(pk=req.pk).done
    TransferRequest.objects.filter(pk=req.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=11)
    )
    start = time.monotonic()
    swept = jobs.sweep_stale()
    req.refresh_from_db()
    copies = Plan.objects.filter(school=receiving).count()
    report(
        "worker kill mid-transfer",
        done_at_kill=f"{done_at_kill} of 600",
        after_sweep=req.status,
        plans_copied=copies,
        recovery_s=round(time.monotonic() - start, 2),
    )
    assert 0 < done_at_kill < 600 and swept["requeued"] == 1
    assert req.status == "completed" and copies == 600  # each copied once


def test_worker_killed_mid_print_run_finishes_after_the_sweeper(personas):
    from pupilhub.reports import printing
    from pupilhub.reports.models import PrintRun, Report

    for i in range(300):
        make_pupil(personas.school_a, first_name=f"Reader{i}")
    report_ = Report.objects.create(
        school=personas.school_a, name="Progress", year_groups=[8], fields=[]
    )
    run = PrintRun.objects.create(school=personas.school_a, report=report_)
    worker = spawn(
        ["shell", "-c", f"from pupilhub.reports.printing import run_print; run_print('{run.pk}')"]
    )
    _kill_when(worker, lambda: PrintRun.objects.get(pk=run.pk).done >= 25)
    run.refresh_from_db()
    at_kill = (run.status, run.done, run.total)
    PrintRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=11))
    start = time.monotonic()
    swept = printing.sweep_stale()
    run.refresh_from_db()
    report(
        "worker kill mid-print-run",
        at_kill=at_kill,
        after_sweep=f"{run.status} {run.done} of {run.total}",
        recovery_s=round(time.monotonic() - start, 2),
    )
    assert at_kill[0] == "running" and swept["requeued"] == 1
    assert run.status == "done" and run.done == run.total == 301
