"""Issue 27: a second beat could start unguarded and send every scheduled job twice."""

import pytest

from pupilhub.core import beat_guard, locks


def test_a_second_beat_exits_and_the_first_keeps_its_lease(db, caplog):
    stop = beat_guard.guard("host-a:1")
    try:
        with pytest.raises(SystemExit):
            beat_guard.guard("host-b:2")
        assert "another celery beat is already running" in caplog.text
        assert locks.renew(beat_guard.LOCK, "host-a:1", beat_guard.TTL)
    finally:
        stop.set()
        locks.release(beat_guard.LOCK, "host-a:1")
    # Once the first beat stops cleanly, a new one may start.
    stop = beat_guard.guard("host-b:2")
    stop.set()


def test_the_guard_is_connected_to_beat_start():
    from celery.signals import beat_init

    from config import celery

    assert any(r[1]() is celery.one_beat_only for r in beat_init.receivers)
