"""One Redis connection pool per server URL and process, shared by every cache object Django makes.

Under ASGI Django keeps its cache objects per request context (django.utils.connection uses
asgiref's Local, which follows the context, not the thread), so every request built a new cache
client with a new pool and opened a new TCP connection to Redis for the session it reads. Handing
every client the same pool for the same URL keeps the connections open across requests, as they
already were under gunicorn's threads. redis-py's pools are safe across threads and start afresh
in a forked child.
"""

import threading
from typing import Any, ClassVar

import redis


class SharedConnectionPool:
    """`pool_class` for Django's RedisCache (which only calls its from_url): the process's
    redis.ConnectionPool for that URL, made on first use."""

    _pools: ClassVar[dict[str, redis.ConnectionPool]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> redis.ConnectionPool:
        # The options (parser, driver name) come from the same CACHES entry for a given URL.
        with cls._guard:
            pool = cls._pools.get(url)
            if pool is None:
                pool = cls._pools[url] = redis.ConnectionPool.from_url(url, **kwargs)
            return pool
