"""Issue 33, item 3: every daily "due" sweep reads only the rows still open, by a partial
index, however much history is closed (checked with EXPLAIN on PostgreSQL)."""

from datetime import date

import pytest
from django.db import connection

from pupilhub.safeguarding.models import ChildProtectionTransfer, Referral, Task
from pupilhub.transition.models import TransferRequest


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")
@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            lambda: Task.objects.filter(done_at__isnull=True, due_on__lt=date.today()),
            "sg_task_open_idx",
        ),
        (
            lambda: Referral.objects.filter(
                responded_on__isnull=True, response_due_on__lt=date.today()
            ),
            "sg_referral_waiting_idx",
        ),
        (
            lambda: ChildProtectionTransfer.objects.filter(
                received_at__isnull=True, due_by__lt=date.today()
            ),
            "sg_cp_file_waiting_idx",
        ),
        (
            lambda: TransferRequest.objects.filter(
                status="pending", due_by__lt=date.today(), overdue_notified_at__isnull=True
            ),
            "transfer_overdue_idx",
        ),
    ],
)
@pytest.mark.django_db
def test_each_daily_sweep_reads_its_partial_index(query, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = query().explain()
    assert index in plan, plan
