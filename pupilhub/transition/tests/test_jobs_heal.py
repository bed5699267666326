"""Issue 27: a transfer whose worker died showed "Copying 100 of 300" for ever; approving
again did nothing and deny was refused. Silent jobs are now re-queued or failed visibly."""

from datetime import timedelta

from django.utils import timezone

from pupilhub.documents.models import Plan
from pupilhub.transition import jobs
from pupilhub.transition.models import TransferRequest

from .test_transition_api import _request


def _dead_worker(world):
    """A request approved and then left by a worker that died before copying anything."""
    made = _request(world).json()
    old = timezone.now() - timedelta(minutes=11)
    TransferRequest.objects.filter(pk=made["id"]).update(status="running", heartbeat_at=old)
    return made["id"]


def test_the_sweeper_requeues_a_silent_transfer_which_then_finishes(world):
    rid = _dead_worker(world)
    assert jobs.sweep_stale() == {"requeued": 1, "failed": 0}
    req = TransferRequest.objects.get(pk=rid)
    assert req.status == "completed" and req.requeued == 1  # the test broker runs it at once
    assert Plan.objects.filter(school=world.secondary).count() == 1


def test_a_transfer_silent_after_three_tries_fails_visibly(world):
    rid = _dead_worker(world)
    TransferRequest.objects.filter(pk=rid).update(requeued=3)
    assert jobs.sweep_stale() == {"requeued": 0, "failed": 1}
    got = world.api("sec_admin").get(f"/schools/{world.secondary.id}/transfer-requests/{rid}")
    assert got.json()["status"] == "failed"
    # Approving again retries the pupils that did not arrive.
    url = f"/schools/{world.primary.id}/transfer-requests/{rid}/approve"
    assert world.api("pri_admin").post(url).json()["status"] == "completed"


def test_approve_carries_on_a_stale_transfer_and_deny_works_on_one(world):
    rid = _dead_worker(world)
    base = f"/schools/{world.primary.id}/transfer-requests/{rid}"
    assert world.api("pri_admin").post(f"{base}/approve").json()["status"] == "completed"
    other = _dead_worker(world)
    denied = world.api("pri_admin").post(
        f"/schools/{world.primary.id}/transfer-requests/{other}/deny"
    )
    assert denied.status_code == 200 and denied.json()["status"] == "denied"


def test_a_live_transfer_is_left_alone(world):
    made = _request(world).json()
    TransferRequest.objects.filter(pk=made["id"]).update(
        status="running", heartbeat_at=timezone.now()
    )
    assert jobs.sweep_stale() == {"requeued": 0, "failed": 0}
    url = f"/schools/{world.primary.id}/transfer-requests/{made['id']}/deny"
    assert world.api("pri_admin").post(url).status_code == 409
