"""Fixtures for the tests that run `liaison` commands in processes of their own."""

import os

import pytest

from tests.redis_db import for_this_worker

# The Redis database the worker and serve tests own (the messaging tests use 13), one per xdist
# worker (tests/redis_db.py).
REDIS_URL = for_this_worker(
    os.environ.get("LIAISON_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/12")
)


@pytest.fixture
def redis_db():
    """The Redis database these tests own, emptied before and after (never skipped: the RQ
    backend is what is under test)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
