"""`liaison retention --schedule` leaves one nightly run however often it is run."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from liaison.audit.tasks import apply_retention
from liaison.core.models import PeriodicRun

pytestmark = pytest.mark.django_db(transaction=True)


def schedule() -> str:
    out = io.StringIO()
    call_command("retention", "--schedule", stdout=out)
    return out.getvalue()


def queued_runs():
    return DBTaskResult.objects.filter(task_path=apply_retention.module_path, status="READY")


def test_scheduling_twice_leaves_one_nightly_run():
    assert "runs nightly from" in schedule()
    assert "already scheduled" in schedule()
    assert queued_runs().count() == 1
    assert PeriodicRun.objects.get(name="retention").next_run_at.astimezone(
        dt.UTC
    ) == queued_runs().get().run_after.astimezone(dt.UTC)


def test_a_run_queues_the_next_night_and_a_superseded_run_does_nothing():
    with time_machine.travel("2026-12-01 12:00Z", tick=False):
        schedule()
        [first] = queued_runs()
        token = first.args_kwargs["kwargs"]["token"]
    with time_machine.travel("2026-12-02 09:00Z", tick=False):
        apply_retention.call(token=token)
        assert queued_runs().filter(run_after__gt=first.run_after).count() == 1
        # The first run's message, delivered again by the queue, is no longer the chain's.
        apply_retention.call(token=token)
        assert queued_runs().filter(run_after__gt=first.run_after).count() == 1


def test_a_chain_whose_run_was_lost_is_scheduled_afresh():
    with time_machine.travel("2026-12-01 12:00Z", tick=False):
        schedule()
        DBTaskResult.objects.all().delete()  # the queue lost it (a flushed Redis, say)
    with time_machine.travel("2026-12-03 12:00Z", tick=False):
        assert "runs nightly from" in schedule()
        assert queued_runs().count() == 1


def test_a_run_queued_on_another_backend_is_queued_again_on_this_one(settings):
    """A district that moves from the database's queue to Redis: the nightly run waiting in the
    database's table would never be taken by the new workers. The scheduler queues it again on
    the new backend (once), and the old run, if anything ever runs it, stops as superseded."""
    from django.tasks import default_task_backend

    with time_machine.travel("2026-12-01 12:00Z", tick=False):
        schedule()
        [old] = queued_runs()
        settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
        assert "runs nightly from" in schedule()
        assert "already scheduled" in schedule()
        [moved] = default_task_backend.results
        assert moved.task.module_path == apply_retention.module_path
        assert moved.kwargs["token"] == PeriodicRun.objects.get(name="retention").token
    with time_machine.travel("2026-12-02 09:00Z", tick=False):
        apply_retention.call(token=old.args_kwargs["kwargs"]["token"])  # superseded: does nothing
        assert len(default_task_backend.results) == 1
