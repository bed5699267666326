"""Authentication backend: Django's, with the signed-in user read from the shared cache.

Every page view loads the session's user; with a shared cache (Redis) the row comes
from there. Any save or delete of the user drops the entry (signals, and again after
commit), so a password change (which also rotates the session hash), deactivation or
an email change take effect on the next request; entries live at most TTL seconds.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from pupilhub.core import shared_cache

TTL = 60


def _key(user_id: Any) -> str:
    return f"user:v1:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        load = super().get_user  # bound here: super() needs the method's frame
        return shared_cache.read_through(_key(user_id), TTL, lambda: load(user_id))


def forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    shared_cache.forget([_key(instance.pk)])


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import User

    post_save.connect(forget, sender=User, dispatch_uid="forget_cached_user_save")
    post_delete.connect(forget, sender=User, dispatch_uid="forget_cached_user_delete")
