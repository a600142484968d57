"""/readyz: what a load balancer asks before it sends a process requests. It names each check, and
the one that fails; it needs no sign-in and says nothing about anyone."""

import json
import subprocess
import sys

import pytest

from tests.processes import runner

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there


def test_ready_names_every_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok", "storage": "ok"},
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_cache_nobody_answers_is_named(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE,
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"].startswith("failing: ")
    assert {k: v for k, v in checks.items() if k != "cache"} == {
        "database": "ok",
        "queue": "ok",
        "storage": "ok",
    }


def test_a_redis_queue_nobody_answers_is_named(client, settings):
    settings.TASK_BACKEND = "redis"
    settings.RQ_QUEUES = {"default": {"URL": UNREACHABLE}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"].startswith("failing: ")
    assert response.json()["checks"]["database"] == "ok"


def test_storage_that_cannot_take_a_file_is_named(client, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the uploads folder should be")
    settings.MEDIA_ROOT = blocked
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("failing: ")


def test_a_database_nobody_answers_is_named_without_a_500(tmp_path):
    """A process whose PostgreSQL is gone (nothing listens on the port): 503, database failing;
    the cache (kept in the database by default) fails with it."""
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))\n"
    )
    run = runner("postgres://postgres@127.0.0.1:9/liaison", tmp_path, ALLOWED_HOSTS="testserver")
    answer = json.loads(subprocess.run([sys.executable, "-c", code], **run).stdout)
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"].startswith("failing: ")
    assert checks["cache"].startswith("failing: ")
    assert checks["storage"] == "ok"
    assert answer["body"]["status"] == "unavailable"
