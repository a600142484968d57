"""`liaison scheduler` as a district runs it: on more than one machine at once, each repeating job
still has one chain of runs and each sweep runs once per turn (real processes, on PostgreSQL when
the suite runs there)."""

import json
import subprocess
import sys

import pytest

from tests.processes import LIAISON, runner

CHAINS = {
    "retention": "liaison.audit.tasks.apply_retention",
    "task-reminders": "liaison.worklist.tasks.remind_overdue_tasks",
    "forget-throttles": "liaison.portal.tasks.forget_old_throttles",
}
SWEEPS = [
    "concern-reminders",
    "delivery-drain",
    "delivery-reconcile",
    "delivery-retention",
    "event-reminders",
    "insights-refresh",
    "partitions",
    "referral-reminders",
]

STATE = """
import django, json; django.setup()
from django_tasks_db.models import DBTaskResult
from liaison.core.models import PeriodicRun
print(json.dumps({
    "runs": {r.name: [r.token, r.last_started_at is not None] for r in PeriodicRun.objects.all()},
    "queued": [[t.task_path, t.args_kwargs["kwargs"].get("token")]
               for t in DBTaskResult.objects.order_by("task_path")],
}))
"""


def state(run: dict) -> dict:
    return json.loads(subprocess.run([sys.executable, "-c", STATE], **run).stdout)


def two_schedulers_at_once(run: dict) -> str:
    env, cwd = run["env"], run["cwd"]
    procs = [
        subprocess.Popen(
            [*LIAISON, "scheduler", "--once"],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    # Whole outputs on failure (a list's repr is cut short): the traceback names the cause.
    assert [p.returncode for p in procs] == [0, 0], "\n---\n".join(outputs)
    return "".join(outputs)


@pytest.mark.slow
def test_two_schedulers_at_once_queue_each_job_once_and_run_each_sweep_once(own_database, tmp_path):
    run = runner(own_database, tmp_path)
    subprocess.run([*LIAISON, "migrate", "--no-input"], **run)

    output = two_schedulers_at_once(run)

    for name in CHAINS:
        assert output.count(f"{name}: queued for") == 1, output
    for name in SWEEPS:
        assert output.count(f"{name}: ran") == 1, output
    after = state(run)
    # One queued run per job, holding the token its row names: no second chain.
    assert sorted(path for path, _token in after["queued"]) == sorted(CHAINS.values())
    for path, token in after["queued"]:
        name = next(n for n, p in CHAINS.items() if p == path)
        assert after["runs"][name][0] == token
    assert all(after["runs"][name][1] for name in SWEEPS)

    # Started again (a restart, a second machine joining): nothing more is queued or run.
    again = two_schedulers_at_once(run)
    assert again.strip() == ""
    assert state(run)["queued"] == after["queued"]


def test_scheduler_refuses_a_backend_that_cannot_wait(tmp_path):
    run = runner(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, LIAISON_TASK_BACKEND="immediate")
    result = subprocess.run([*LIAISON, "scheduler", "--once"], **{**run, "check": False})
    assert result.returncode != 0
    assert "needs LIAISON_TASK_BACKEND=database or redis" in result.stderr
