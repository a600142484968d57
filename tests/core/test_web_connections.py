"""A web process of `liaison serve --asgi` keeps its connections to PostgreSQL and Redis from one
request to the next, as gunicorn's threads do: opening them for every request (a PostgreSQL
backend started and signed in, a TCP connection to Redis for the session) cost more than most
pages and is what an operator sees as connection churn on both servers (issue #22).

Real processes: `liaison serve --asgi --no-worker --workers 1` on a database of its own and a
Redis server of its own on a free port, so that the servers' connection counters see only it.
"""

import shutil
import subprocess
import time
from http.cookiejar import CookieJar

import pytest

from tests.core.test_deploy import page, sign_in
from tests.core.test_live_processes import ServedLiveBeside
from tests.core.test_serve import free_port, prepare
from tests.core.test_worker import command_env
from tests.messaging.gateway import FakeGateway

PAGES = 40


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own (nothing else connects to it)."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:  # .ci/run and `make test` have it: the suite's Redis is one
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and server.poll() is None, (
                "redis-server did not start"
            )
            time.sleep(0.1)
    yield client, f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


def connections_received(client) -> int:
    return int(client.info("stats")["total_connections_received"])


def sessions_opened(database_url: str) -> int:
    """PostgreSQL's count of sessions ever established on this database (PostgreSQL 14+)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [name]
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.slow
@pytest.mark.postgresql
def test_an_asgi_web_process_keeps_its_postgresql_and_redis_connections_across_requests(
    own_database, own_redis, tmp_path
):
    client, redis_url = own_redis
    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "immediate")
        env |= {"CACHE_URL": f"{redis_url}/0", "LIAISON_WEB_WORKERS": "1"}
        prepare(env)
        served = ServedLiveBeside(env, free_port())  # `serve --asgi --no-worker`
        url = served.url
        try:
            assert served.wait_until_up(), served.stop()
            jar = CookieJar()
            home = sign_in(url, jar)
            for _ in range(3):  # the process's first requests open what it keeps
                page(home, jar)
            redis_before, pg_before = connections_received(client), sessions_opened(own_database)
            for _ in range(PAGES):
                landed, text = page(home, jar)
                assert landed == home and "Sign out" in text
            redis_opened = connections_received(client) - redis_before
            pg_opened = sessions_opened(own_database) - pg_before
        finally:
            out = served.stop()
    # One signed-in page a connection each was the old way: PAGES of each. A few may be opened
    # by a pool growing or a thread of its own; nothing like one a page.
    assert pg_opened <= 5, (pg_opened, out[-3000:])
    assert redis_opened <= 5, (redis_opened, out[-3000:])
