"""`liaison worker --batch` runs what was queued, on each task backend: a liaison's message and an
event reminder (a task deferred to a time) both reach the family's phone.

Everything runs in real processes against a database of their own (an SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL), a real Redis for the RQ backend
(LIAISON_TEST_WORKER_REDIS_URL, database 12 by default, one per xdist worker) and the SMS gateway
stub on loopback.
"""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.conftest import REDIS_URL
from tests.messaging.gateway import FakeGateway

ROOT = Path(__file__).resolve().parents[2]

# A family, a message from its liaison, and an event starting in 70 seconds
# whose one reminder ("1 minute before") falls due 10 seconds from now; the family said yes.
SETUP = """
import datetime as dt
import django; django.setup()
from django.utils import timezone
from liaison.events import services as events
from liaison.messaging import services
from liaison.people.models import District, Guardian, Household
d = District.objects.create(name="Workertown", slug="workertown")
h = Household.objects.create(district=d, name="Worker family")
Guardian.objects.create(household=h, given_name="Ana", family_name="Worker", phone="+16175550142",
                        preferred_channels=["sms"], preferred_language="en")
services.send_message(household=h, body="Your liaison wrote this", by=None)
start = timezone.now() + dt.timedelta(seconds=70)
[event] = events.create_event(district=d, kind="workshop", title="Family math night",
                              starts_at=start, ends_at=start + dt.timedelta(hours=1), place="Gym")
[invitation] = events.invite_households(event=event, households=[h])
events.respond(invitation=invitation, answer="yes")
print((start - dt.timedelta(minutes=1)).isoformat())
"""


def command_env(database_url, tmp_path, gateway, backend):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "LIAISON_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "LIAISON_TASK_BACKEND": backend,
        "REDIS_URL": REDIS_URL,
        "LIAISON_SMS_BASE_URL": gateway.url,
        "LIAISON_SMS_ACCOUNT_SID": gateway.account,
        "LIAISON_SMS_AUTH_TOKEN": gateway.token,
        "LIAISON_SMS_FROM": "+16175550199",
        "LIAISON_MESSAGING_CONSOLE": "0",
        "LIAISON_QUIET_HOURS_CHANNELS": "",  # the test must not depend on the hour
        "LIAISON_EVENTS_REMINDERS": "1",
        "LIAISON_LOG_LEVEL": "ERROR",
    }


def texts(gateway) -> list[str]:
    return sorted(m["body"].split("\n")[0] for m in gateway.sent)


def run_until_reminder_is_due(backend, database_url, tmp_path, then=("worker", "--batch")):
    """Set the family up, check nothing went out without a worker, then run `liaison worker
    --batch` (or `then`) once the reminder is due. Returns the texts the phone got before and
    after, and the command's output."""
    with FakeGateway() as gateway:
        env = command_env(database_url, tmp_path, gateway, backend)
        run = dict(cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=180)
        manage = [sys.executable, "-m", "liaison.cli"]
        subprocess.run([*manage, "migrate", "--no-input"], **run)
        due = dt.datetime.fromisoformat(
            subprocess.run([sys.executable, "-c", SETUP], **run).stdout.strip()
        )
        before = texts(gateway)
        time.sleep(max(0.0, (due - dt.datetime.now(dt.UTC)).total_seconds()) + 1)
        worker = subprocess.run([*manage, *then], **run)
        return before, texts(gateway), worker.stdout + worker.stderr


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["database", "redis"])
def test_worker_batch_delivers_the_message_and_sends_the_reminder_when_due(
    backend, own_database, tmp_path, request
):
    if backend == "redis":
        request.getfixturevalue("redis_db")
    before, after, output = run_until_reminder_is_due(backend, own_database, tmp_path)
    assert before == [], "nothing is sent until a worker runs the queue"
    invitation, reminder, message = after  # sorted; each sent once
    assert invitation.startswith("Family math night"), output
    assert reminder.startswith("See you at Family math night"), output
    assert message == "Your liaison wrote this", output


@pytest.mark.slow
def test_immediate_backend_sends_at_once_and_its_worker_has_nothing_to_run(own_database, tmp_path):
    before, after, output = run_until_reminder_is_due("immediate", own_database, tmp_path)
    assert before == ["Family math night", "Your liaison wrote this"]  # invitation, message
    assert "Nothing to run" in output
    assert after == before


@pytest.mark.slow
def test_immediate_backend_sends_reminders_from_cron(own_database, tmp_path):
    before, after, output = run_until_reminder_is_due(
        "immediate", own_database, tmp_path, then=["event_reminders"]
    )
    assert "1 event reminder(s) sent." in output
    [reminder] = set(after) - set(before)
    assert reminder.startswith("See you at Family math night")
