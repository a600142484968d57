"""With the Redis (RQ) task backend configured, a send enqueues its delivery task there, and the
delivery table stays the truth: `liaison deliver` drains it even if that queue message is lost."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.messaging.gateway import FakeGateway
from tests.redis_db import for_this_worker

ROOT = Path(__file__).resolve().parents[2]
# One Redis database per xdist worker (tests/redis_db.py).
REDIS_URL = for_this_worker(os.environ.get("LIAISON_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"))

SEND = """
import django; django.setup()
from liaison.messaging import services
from liaison.people.models import District, Guardian, Household
d = District.objects.create(name="Redistown", slug="redistown")
h = Household.objects.create(district=d, name="Redis family")
Guardian.objects.create(household=h, given_name="Ana", family_name="Redis", phone="+16175550142",
                        preferred_channels=["sms"], preferred_language="en")
services.send_message(household=h, body="Queued through Redis", by=None)
"""


@pytest.mark.slow
def test_redis_backend_enqueues_and_the_table_still_drains_when_the_job_is_lost(tmp_path):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    client.delete("rq:queue:default")
    with FakeGateway() as gateway:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'redis.sqlite3'}",
            "LIAISON_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "LIAISON_TASK_BACKEND": "redis",
            "REDIS_URL": REDIS_URL,
            "LIAISON_SMS_BASE_URL": gateway.url,
            "LIAISON_SMS_ACCOUNT_SID": gateway.account,
            "LIAISON_SMS_AUTH_TOKEN": gateway.token,
            "LIAISON_SMS_FROM": "+16175550199",
            "LIAISON_MESSAGING_CONSOLE": "0",
            "LIAISON_QUIET_HOURS_CHANNELS": "",  # the test must not depend on the hour
        }
        run = dict(cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        manage = [sys.executable, "-m", "liaison.cli"]
        subprocess.run([*manage, "migrate", "--no-input"], **run)
        subprocess.run([sys.executable, "-c", SEND], **run)
        assert client.llen("rq:queue:default") >= 1, "the delivery task went to Redis"
        client.delete("rq:queue:default")  # the queue message is lost
        assert gateway.sent == []
        subprocess.run([*manage, "deliver", "--once"], **run)
    assert [m["body"].split("\n")[0] for m in gateway.sent] == ["Queued through Redis"]
