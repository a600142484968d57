"""Access rows for the worklist's URLs (see tests/access.py for the format).

A task about a family is acted on through the family's door, as a change to its record (EDIT):
whoever may change the family's record may finish, snooze or hand over its tasks, whoever owns
them; the task here belongs to a colleague, so that no role passes as its owner.
"""

import datetime as dt

from django.utils import timezone

from tests.access import EDIT, ROLES, Row, household_pk
from tests.concerns import factories as cf


def task_pk(world, household):
    from liaison.worklist import services

    owner = cf.colleague(household.district)
    task = services.create_task(
        owner=owner,
        household=household,
        title="Call back about the bus",
        due_on=timezone.localdate(),
        by=owner,
    )
    return [task.pk]


def _tomorrow(world, household):
    return {"until": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}


ROWS = {
    "worklist:new": Row(household_pk, EDIT),
    "worklist:complete": Row(
        task_pk, EDIT, method="post", data=lambda w, h: {"outcome": "Spoke to the mother."}
    ),
    "worklist:snooze": Row(task_pk, EDIT, method="post", data=_tomorrow),
    "worklist:reassign": Row(
        task_pk, EDIT, method="post", data=lambda w, h: {"owner": w.liaison.username}
    ),
}
# Today and its counts show each person only what their scope holds (tests/worklist/test_today.py);
# someone with no role at all gets an empty Today.
NO_RECORD = {
    "worklist:counts": dict.fromkeys(ROLES, 200),
}
