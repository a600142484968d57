"""Old sign-in throttle rows are forgotten by a scheduled task that re-queues itself every hour.

The scheduled run is checked end to end in real processes against a database of their own:
`liaison forget_throttles --schedule`, then the task worker (`liaison worker --batch`) runs it.
"""

import datetime as dt
import io
import json
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone

from liaison.portal.models import SignInThrottle
from liaison.portal.tasks import forget_old_throttles, kept_hours
from tests.processes import LIAISON, call, runner


def _throttles(now):
    SignInThrottle.objects.bulk_create(
        [
            SignInThrottle(kind="request", key="old-number", at=now - dt.timedelta(days=2)),
            SignInThrottle(kind="failure", key="old-ip", at=now - dt.timedelta(hours=25)),
            SignInThrottle(kind="failure", key="recent", at=now - dt.timedelta(minutes=10)),
        ]
    )


def setup_data():
    """Run in a subprocess (after django.setup()): two throttle rows older than a day, one from ten minutes ago."""
    _throttles(timezone.now())


def report():
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(task_path="liaison.portal.tasks.forget_old_throttles")
    print(
        json.dumps(
            {
                "keys": sorted(SignInThrottle.objects.values_list("key", flat=True)),
                "done": tasks.filter(status="SUCCESSFUL").count(),
                "waiting": [
                    t.run_after.isoformat() for t in tasks.filter(status="READY").order_by("pk")
                ],
            }
        )
    )


@pytest.mark.slow
def test_the_scheduled_task_forgets_old_throttles_in_the_worker_and_comes_back_in_an_hour(
    own_database, tmp_path
):
    run = runner(own_database, tmp_path)
    module = "tests.portal.test_throttle_schedule"
    subprocess.run([*LIAISON, "migrate", "--no-input"], **run)
    call(module, "setup_data", run)
    scheduled = subprocess.run([*LIAISON, "forget_throttles", "--schedule"], **run)
    assert "every hour" in scheduled.stdout
    before = timezone.now()
    subprocess.run([*LIAISON, "worker", "--batch"], **run)
    result = json.loads(call(module, "report", run).stdout)
    assert result["keys"] == ["recent"], "the day-old rows are gone, the recent one kept"
    assert result["done"] == 1
    [waiting] = result["waiting"]
    next_run = dt.datetime.fromisoformat(waiting)
    assert dt.timedelta(minutes=55) < next_run - before < dt.timedelta(minutes=65)


def test_the_task_forgets_rows_older_than_a_day_and_keeps_the_rest(world):
    _throttles(timezone.now())
    assert forget_old_throttles.call(reschedule=False) == 2
    assert list(SignInThrottle.objects.values_list("key", flat=True)) == ["recent"]


def test_a_lockout_set_longer_than_a_day_is_not_cut_short(world, settings):
    settings.LIAISON_PORTAL_LOCKOUT_MINUTES = 48 * 60
    assert kept_hours() == 48
    _throttles(timezone.now())
    out = io.StringIO()
    call_command("forget_throttles", stdout=out)
    assert "1 sign-in throttle row(s) forgotten." in out.getvalue()
    assert sorted(SignInThrottle.objects.values_list("key", flat=True)) == ["old-ip", "recent"]


@pytest.mark.django_db(transaction=True)
def test_scheduling_twice_leaves_one_hourly_run():
    from django_tasks_db.models import DBTaskResult

    for expected in ("every hour", "already scheduled"):
        out = io.StringIO()
        call_command("forget_throttles", "--schedule", stdout=out)
        assert expected in out.getvalue()
    assert DBTaskResult.objects.filter(task_path=forget_old_throttles.module_path).count() == 1
