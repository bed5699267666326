"""Authentication backend: Django's, with the signed-in user read from the shared cache.

Every page view loads the session's user; with a shared cache (Redis) the row comes
from there. Any save or delete of the user drops the entry (signals, and again after
commit), so a password change (which also rotates the session hash), deactivation or
an email change take effect on the next request; entries live at most TTL seconds.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from pupilhub.schools import cache as shared

TTL = 60


def _key(user_id: Any) -> str:
    return f"user:v1:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if not shared.enabled():
            return super().get_user(user_id)
        user = cache.get(_key(user_id))
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(_key(user_id), user, TTL)
        return user


def forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not shared.enabled():
        return
    key = _key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import User

    post_save.connect(forget, sender=User, dispatch_uid="forget_cached_user_save")
    post_delete.connect(forget, sender=User, dispatch_uid="forget_cached_user_delete")
