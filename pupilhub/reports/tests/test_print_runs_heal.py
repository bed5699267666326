"""Issue 27: a print run whose worker was killed stayed at "200 of 1000" for ever (the
redelivered task saw "running" and returned)."""

from datetime import timedelta

from django.utils import timezone

from pupilhub.reports import printing
from pupilhub.reports.models import PrintRun

from .test_reports import setup  # noqa: F401  (the fixture)


def _stuck(personas, report, minutes):
    return PrintRun.objects.create(
        school=personas.school_a,
        report=report,
        status="running",
        total=10,
        done=4,
        heartbeat_at=timezone.now() - timedelta(minutes=minutes),
    )


def test_a_redelivered_task_takes_over_a_silent_run(personas, setup):  # noqa: F811
    report, _ = setup
    run = _stuck(personas, report, minutes=11)
    printing.run_print(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.file


def test_a_redelivered_task_leaves_a_live_run_alone(personas, setup):  # noqa: F811
    report, _ = setup
    run = _stuck(personas, report, minutes=1)
    printing.run_print(run.pk)
    run.refresh_from_db()
    assert run.status == "running" and run.done == 4


def test_the_sweeper_requeues_then_fails_a_silent_run(personas, setup):  # noqa: F811
    report, _ = setup
    run = _stuck(personas, report, minutes=11)
    assert printing.sweep_stale() == {"requeued": 1, "failed": 0}
    run.refresh_from_db()
    assert run.status == "done" and run.requeued == 1
    stuck = _stuck(personas, report, minutes=11)
    PrintRun.objects.filter(pk=stuck.pk).update(requeued=3)
    assert printing.sweep_stale() == {"requeued": 0, "failed": 1}
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "start it again" in stuck.error
