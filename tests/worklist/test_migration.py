"""Follow-up dates written before tasks existed become tasks once, on migrating."""

import datetime as dt
import importlib

from django.apps import apps
from django.utils import timezone

from liaison.concerns.models import Contact
from liaison.worklist.models import Task

migration = importlib.import_module("liaison.worklist.migrations.0002_follow_ups_become_tasks")


def test_recent_follow_up_dates_become_their_loggers_tasks_and_old_ones_stay_history(world):
    today = timezone.localdate()
    recent = Contact.objects.create(
        household=world.caseload_family,
        kind="call",
        purpose="Lunch form",
        by=world.liaison,
        follow_up_on=today + dt.timedelta(days=1),
    )
    Contact.objects.create(
        household=world.caseload_family,
        kind="call",
        purpose="Last spring",
        by=world.liaison,
        follow_up_on=today - dt.timedelta(days=60),
    )
    for _ in range(2):  # run twice: still one task per source
        migration.forwards(apps, None)
    task = Task.objects.get()
    assert (task.owner, task.title, task.source_id) == (
        world.liaison,
        "Follow up: Lunch form",
        str(recent.pk),
    )
