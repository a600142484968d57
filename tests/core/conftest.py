"""Fixtures for the tests that run `liaison` commands in processes of their own."""

import os

import pytest
from django.db import connection

# The Redis database the worker and serve tests own (the messaging tests use 13).
REDIS_URL = os.environ.get("LIAISON_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def own_database(tmp_path):
    """A database the command processes share (the test's own SQLite database is in memory)."""
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.settings_dict
        name = f"{params['NAME']}_worker"
        base = (
            f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        )
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{base}/{name}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"


@pytest.fixture
def redis_db():
    """The Redis database these tests own, emptied before and after (never skipped: the RQ
    backend is what is under test)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
