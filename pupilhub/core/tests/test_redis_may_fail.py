"""Issue 27: Redis down was a total outage (every page, login and API call a 500). The
cache now falls back to the database and jobs wait in the outbox."""

import pytest
from django.test import override_settings

from pupilhub.accounts import tasks as account_tasks
from pupilhub.core import outbox
from pupilhub.core.models import OutboxItem
from pupilhub.core.redis_cache import ReusingRedisCache

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there


def test_a_cache_whose_redis_is_down_misses_and_skips_writes():
    cache = ReusingRedisCache(DOWN, {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("k") is None and cache.get("k", "fallback") == "fallback"
    cache.set("k", "v")
    assert cache.get_many(["k"]) == {} and cache.add("k", 1) is False
    cache.delete("k")
    cache.delete_many(["k"])


def test_pages_sign_in_and_the_api_serve_with_redis_down(personas, settings):
    settings.SHARED_CACHE = True
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {
        "default": {
            "BACKEND": "pupilhub.core.redis_cache.ReusingRedisCache",
            "LOCATION": DOWN,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    from pupilhub.testing import Api

    web = personas.web("teacher")
    assert web.get(f"/schools/{personas.school_a.id}/pupils/").status_code == 200
    assert Api(personas.teacher).get(f"/schools/{personas.school_a.id}/pupils").status_code == 200


class Unreachable:
    name = "pupilhub.accounts.tasks.send_plain"

    def apply_async(self, args, retry=True):
        raise ConnectionRefusedError("broker down")


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_job_the_broker_cannot_take_waits_in_the_outbox(db, monkeypatch):
    outbox.enqueue(Unreachable(), "password_changed", "a@example.org", {})
    item = OutboxItem.objects.get()
    assert item.task == "pupilhub.accounts.tasks.send_plain"
    sent = []
    monkeypatch.setattr(
        outbox.current_app, "send_task", lambda name, args, retry: sent.append((name, args))
    )
    assert outbox.drain() == 1 and not OutboxItem.objects.exists()
    assert sent == [(account_tasks.send_plain.name, ["password_changed", "a@example.org", {}])]


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_the_outbox_keeps_what_the_broker_still_refuses(db, monkeypatch):
    outbox.enqueue(Unreachable(), "x", "a@example.org", {})

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("still down")

    monkeypatch.setattr(outbox.current_app, "send_task", refused)
    assert outbox.drain() == 0 and OutboxItem.objects.count() == 1


@pytest.mark.parametrize("task", ["drain-outbox"])
def test_beat_drains_the_outbox_every_minute(task):
    from config.celery import app

    assert app.conf.beat_schedule[task]["task"] == "pupilhub.core.tasks.drain_outbox"
