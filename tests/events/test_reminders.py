"""Reminders and change/cancel notices are sent exactly once, however often the task runs."""

import datetime as dt

import pytest
from django.utils import timezone

from liaison.events import services
from liaison.events.choices import Answer
from liaison.events.models import Notice
from tests.events.factories import EventFactory


@pytest.fixture
def tomorrow(world):
    start = timezone.now() + dt.timedelta(hours=20)
    event = EventFactory(
        district=world.district,
        site=world.school,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        title="Kindergarten welcome",
    )
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    services.respond(invitation=inv, answer=Answer.YES)
    return inv


def test_day_before_reminder_is_sent_once_when_the_task_runs_twice(tomorrow, mailoutbox):
    assert services.send_due_reminders() == 1
    assert services.send_due_reminders() == 0
    assert len(mailoutbox) == 1
    assert "Kindergarten welcome" in mailoutbox[0].subject
    assert Notice.objects.filter(invitation=tomorrow, key="reminder-1440").count() == 1


def test_two_hour_reminder_follows_the_day_before_one(tomorrow, mailoutbox):
    services.send_due_reminders()
    later = tomorrow.event.starts_at - dt.timedelta(minutes=90)
    assert services.send_due_reminders(now=later) == 1
    assert services.send_due_reminders(now=later) == 0
    assert sorted(Notice.objects.values_list("key", flat=True)) == [
        "reminder-120",
        "reminder-1440",
    ]
    assert len(mailoutbox) == 2


def test_families_who_said_no_get_no_reminder(tomorrow, mailoutbox):
    services.respond(invitation=tomorrow, answer=Answer.NO)
    assert services.send_due_reminders() == 0
    assert mailoutbox == []


def test_reminder_offsets_are_configurable(tomorrow, settings, mailoutbox):
    settings.EVENTS_REMINDER_MINUTES = [30]
    assert services.send_due_reminders() == 0


def test_change_and_cancel_notices_go_once_to_everyone_invited(tomorrow, mailoutbox):
    event = services.update_event(event=tomorrow.event, place="Gym")
    assert services.send_change_notices(event.pk, event.sequence) == 1
    assert services.send_change_notices(event.pk, event.sequence) == 0
    services.cancel_event(event=event)
    assert services.send_cancel_notices(event.pk) == 1
    assert services.send_cancel_notices(event.pk) == 0
    subjects = [m.subject for m in mailoutbox]
    assert subjects == ["Changed: Kindergarten welcome", "Cancelled: Kindergarten welcome"]
    assert "Gym" in mailoutbox[0].body


def test_invitation_goes_once_in_the_familys_language_with_link_and_code(world, mailoutbox):
    event = EventFactory(district=world.district, site=world.school)
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    assert services.send_invitations([inv.pk]) == 1
    assert services.send_invitations([inv.pk]) == 0
    [mail] = mailoutbox
    assert event.code in mail.body and "/events/r/" in mail.body
