"""Tasks: one per follow-up source, snooze, done with an outcome, hand-over, and the once-a-day
reminder of overdue tasks."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from liaison.concerns import services as concerns
from liaison.worklist import services
from liaison.worklist.models import Task
from tests.concerns import factories as cf
from tests.resources.factories import ServiceFactory


def _call(world, follow_up_on, purpose="Bus pass"):
    return concerns.log_contact(
        household=world.caseload_family,
        by=world.liaison,
        kind="call",
        purpose=purpose,
        follow_up_on=follow_up_on,
    )


def test_a_follow_up_date_on_a_call_becomes_the_callers_task(world):
    day = timezone.localdate() + dt.timedelta(days=2)
    contact = _call(world, day)
    task = Task.objects.get()
    assert (task.owner, task.household, task.due_on) == (world.liaison, world.caseload_family, day)
    assert task.title == "Follow up: Bus pass"
    assert task.source_kind == "concerns.contact" and task.source_id == str(contact.pk)
    assert task.source_url == f"/concerns/households/{world.caseload_family.pk}/contacts/"


def test_a_call_without_a_follow_up_date_makes_no_task(world):
    _call(world, None)
    assert not Task.objects.exists()


def test_scheduling_the_same_source_again_moves_its_one_task(world):
    contact = _call(world, timezone.localdate() + dt.timedelta(days=1))
    later = timezone.localdate() + dt.timedelta(days=5)
    for _ in range(2):
        services.schedule_follow_up(
            source=contact,
            owner=world.liaison,
            household=world.caseload_family,
            due_on=later,
            title="Follow up: Bus pass",
        )
    assert list(Task.objects.values_list("due_on", flat=True)) == [later]


def test_a_new_date_on_a_finished_follow_up_opens_it_again(world):
    contact = _call(world, timezone.localdate())
    task = services.complete(task=Task.objects.get(), outcome="Left a message.", by=world.liaison)
    assert task.is_done
    services.schedule_follow_up(
        source=contact,
        owner=world.liaison,
        household=world.caseload_family,
        due_on=timezone.localdate() + dt.timedelta(days=3),
        title="Try again",
    )
    task.refresh_from_db()
    assert not task.is_done and task.outcome == "" and task.title == "Try again"


def test_a_referral_follow_up_is_its_liaisons_task_and_goes_when_the_date_is_cleared(world):
    from liaison.resources import services as resources

    day = timezone.localdate() + dt.timedelta(days=7)
    referral = resources.create_referral(
        household=world.caseload_family,
        service=ServiceFactory(),
        by=world.liaison,
        follow_up_on=day,
    )
    task = Task.objects.get()
    assert (task.owner, task.due_on, task.source_kind) == (world.liaison, day, "resources.referral")
    resources.set_follow_up(referral=referral, follow_up_on=None, by=world.liaison)
    assert not Task.objects.exists()


def test_a_meeting_action_is_its_owners_task(world):
    meeting = cf.meeting(cf.concern(world.caseload_family))
    day = timezone.localdate() + dt.timedelta(days=4)
    concerns.add_follow_up_action(
        meeting=meeting,
        description="Ask for a bus aide",
        owner=world.leader,
        due_on=day,
        by=world.liaison,
    )
    task = Task.objects.get()
    assert (task.owner, task.title, task.due_on) == (world.leader, "Ask for a bus aide", day)


def test_snooze_hides_the_task_until_the_day_it_was_snoozed_to(world):
    today = timezone.localdate()
    task = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Call",
        due_on=today,
        by=world.liaison,
    )
    services.snooze(task=task, until=today + dt.timedelta(days=2), by=world.liaison)
    assert not Task.objects.due(today).exists()
    assert not Task.objects.due(today + dt.timedelta(days=1)).exists()
    assert list(Task.objects.due(today + dt.timedelta(days=2))) == [task]


@pytest.mark.parametrize("days", [0, -1, 400])
def test_snooze_refuses_today_a_past_day_or_beyond_a_year(world, days):
    task = services.create_task(
        owner=world.liaison,
        title="Call",
        due_on=timezone.localdate(),
        by=world.liaison,
        district=world.district,
    )
    with pytest.raises(ValidationError) as error:
        services.snooze(
            task=task, until=timezone.localdate() + dt.timedelta(days=days), by=world.liaison
        )
    assert "until" in error.value.message_dict


def test_complete_keeps_the_outcome_and_asks_for_one(world):
    task = services.create_task(
        owner=world.liaison,
        title="Call",
        due_on=timezone.localdate(),
        by=world.liaison,
        district=world.district,
    )
    with pytest.raises(ValidationError):
        services.complete(task=task, outcome="   ", by=world.liaison)
    services.complete(task=task, outcome="Mother will come Tuesday.", by=world.liaison)
    task.refresh_from_db()
    assert task.done_at is not None and task.outcome == "Mother will come Tuesday."
    with pytest.raises(ValidationError):
        services.complete(task=task, outcome="Again", by=world.liaison)


def test_reassign_hands_the_task_to_a_colleague_of_the_district_only(world):
    task = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Call",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    services.reassign(task=task, owner=world.leader, by=world.liaison)
    assert Task.objects.get().owner == world.leader
    stranger = cf.colleague(world.other_district)
    with pytest.raises(ValidationError):
        services.reassign(task=task, owner=stranger, by=world.liaison)


def test_an_overdue_task_reminds_its_owner_once_a_day(world):
    with time_machine.travel("2026-03-02 15:00Z", tick=False):
        _call(world, timezone.localdate(), purpose="Housing form")
        assert services.remind_overdue() == 0  # due today: not overdue yet
    with time_machine.travel("2026-03-03 15:00Z", tick=False):
        for _ in range(3):  # however often the sweep runs
            services.remind_overdue()
        from liaison.worklist.tasks import remind_overdue_tasks

        remind_overdue_tasks.call()
    reminders = [m for m in mail.outbox if "overdue task" in m.subject]
    assert len(reminders) == 1
    assert reminders[0].to == [world.liaison.email]
    assert "Follow up: Housing form (Caseload household)" in reminders[0].body
    with time_machine.travel("2026-03-04 15:00Z", tick=False):
        services.remind_overdue()
        services.remind_overdue()
    assert len([m for m in mail.outbox if "overdue task" in m.subject]) == 2


def test_a_done_or_snoozed_task_sends_no_reminder(world):
    with time_machine.travel("2026-03-02 15:00Z", tick=False):
        today = timezone.localdate()
        done = services.create_task(
            owner=world.liaison, title="A", due_on=today, by=world.liaison, district=world.district
        )
        snoozed = services.create_task(
            owner=world.liaison, title="B", due_on=today, by=world.liaison, district=world.district
        )
        services.complete(task=done, outcome="Done.", by=world.liaison)
        services.snooze(task=snoozed, until=today + dt.timedelta(days=5), by=world.liaison)
    with time_machine.travel("2026-03-04 15:00Z", tick=False):
        assert services.remind_overdue() == 0
    assert not [m for m in mail.outbox if "overdue task" in m.subject]


def test_the_remind_tasks_command_reminds_once_however_often_cron_runs_it(world):
    import io

    from django.core.management import call_command

    with time_machine.travel("2026-03-02 15:00Z", tick=False):
        services.create_task(
            owner=world.liaison,
            title="Return the permission slip",
            due_on=timezone.localdate(),
            by=world.liaison,
            district=world.district,
        )
    with time_machine.travel("2026-03-05 15:00Z", tick=False):
        out = io.StringIO()
        call_command("remind_tasks", stdout=out)
        call_command("remind_tasks", stdout=out)
    assert out.getvalue().splitlines() == ["1 reminder(s) queued.", "0 reminder(s) queued."]
    assert len([m for m in mail.outbox if "overdue task" in m.subject]) == 1
