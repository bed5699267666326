"""Django's Redis cache, reusing one redis.Redis client per connection pool, and one that
may fail: with Redis down or hung, every read is a miss and every write is skipped, so
each caller falls back to the database (sessions are `cached_db`, throttles live in the
database) and the site keeps serving. The outage is logged once a minute, not per request.

Django's client builds a new redis.Redis object for every cache call, and each one
fills a table of ~170 response callbacks: ~0.15 ms a call, measured as a tenth of a
page view here. A redis.Redis object is safe to share between threads (it takes a
connection from its pool per command), so one per pool serves every call.
"""

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
LOG_EVERY = 60.0
_last_logged = [0.0]


def _outage(exc: Exception) -> None:
    now = time.monotonic()
    if now - _last_logged[0] >= LOG_EVERY:
        _last_logged[0] = now
        log.warning("cache unavailable, serving from the database (%s)", type(exc).__name__)


def _tolerant(default: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A cache call that answers `default` (a miss, or nothing done) when Redis is down."""

    def decorator(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                _outage(exc)
                if callable(default):
                    return default(*args, **kwargs)
                return default

        return wrapper

    return decorator


def _default_of_get(self: Any, key: Any, default: Any = None, version: Any = None) -> Any:
    return default


class ReusingClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: Any, params: Any) -> None:
        super().__init__(server, params)
        self._class = ReusingClient

    get = _tolerant(_default_of_get)(RedisCache.get)
    get_many = _tolerant({})(RedisCache.get_many)
    has_key = _tolerant(False)(RedisCache.has_key)
    add = _tolerant(False)(RedisCache.add)
    set = _tolerant(None)(RedisCache.set)
    set_many = _tolerant([])(RedisCache.set_many)
    touch = _tolerant(False)(RedisCache.touch)
    delete = _tolerant(False)(RedisCache.delete)
    delete_many = _tolerant(None)(RedisCache.delete_many)
    clear = _tolerant(None)(RedisCache.clear)
