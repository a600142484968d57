"""The overdue-task reminder as an operator runs it: `liaison remind_tasks --schedule` queues the
hourly run, the task worker (`liaison worker --batch`, a real process) reminds the owner once and
queues the next run an hour on; a second run the same day reminds nobody again."""

import datetime as dt
import json
import subprocess

import pytest
from django.utils import timezone

from tests.processes import LIAISON, call, runner


def setup_data():
    """Run in a subprocess: a liaison with an email and a task that fell due three days ago."""
    from liaison.people.choices import Role
    from liaison.worklist import services
    from tests import factories as f

    district = f.DistrictFactory(name="Testville Schools", slug="testville")
    liaison = f.UserFactory(username="liaison", email="liaison@example.org")
    f.MembershipFactory(user=liaison, district=district, role=Role.LIAISON)
    services.create_task(
        owner=liaison,
        title="Send the enrolment forms",
        due_on=timezone.localdate() - dt.timedelta(days=3),
        by=liaison,
        district=district,
    )


def report():
    from django_tasks_db.models import DBTaskResult

    from liaison.messaging.models import StaffDelivery
    from liaison.worklist.models import Task

    runs = DBTaskResult.objects.filter(task_path="liaison.worklist.tasks.remind_overdue_tasks")
    print(
        json.dumps(
            {
                "reminded_on": [
                    str(d) for d in Task.objects.values_list("last_reminded_on", flat=True)
                ],
                "notices": list(StaffDelivery.objects.values_list("address", "subject", "state")),
                "done": runs.filter(status="SUCCESSFUL").count(),
                "waiting": [r.run_after.isoformat() for r in runs.filter(status="READY")],
            }
        )
    )


@pytest.mark.slow
def test_the_scheduled_reminder_reaches_the_owner_once_in_the_worker_and_comes_back_in_an_hour(
    own_database, tmp_path
):
    run = runner(own_database, tmp_path)
    module = "tests.worklist.test_reminder_schedule"

    def python(function):
        return call(module, function, run)

    subprocess.run([*LIAISON, "migrate", "--no-input"], **run)
    python("setup_data")
    scheduled = subprocess.run([*LIAISON, "remind_tasks", "--schedule"], **run)
    assert scheduled.returncode == 0
    before = timezone.now()
    subprocess.run([*LIAISON, "worker", "--batch"], **run)
    result = json.loads(python("report").stdout)
    assert result["reminded_on"] == [str(timezone.localdate())]
    [(address, subject, _state)] = result["notices"]
    assert address == "liaison@example.org" and subject
    assert result["done"] == 1
    [waiting] = result["waiting"]
    assert (
        dt.timedelta(minutes=55)
        < dt.datetime.fromisoformat(waiting) - before
        < dt.timedelta(minutes=65)
    )

    # The same day again (the command run by hand): nobody is reminded twice.
    subprocess.run([*LIAISON, "remind_tasks"], **run)
    assert len(json.loads(python("report").stdout)["notices"]) == 1
