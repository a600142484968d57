"""Reminders and change/cancel notices are sent exactly once, however often the task runs."""

import datetime as dt

import pytest
from django.utils import timezone

from liaison.events import services
from liaison.events.choices import Answer
from liaison.events.models import Notice
from tests.events.factories import EventFactory


def notices(mailoutbox=None):
    """The notices messaging was asked to send for events, oldest first."""
    from liaison.messaging.models import Message

    return list(Message.objects.filter(related_type="events.invitation").order_by("pk"))


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


def test_day_before_reminder_is_sent_once_when_the_task_runs_twice(tomorrow):
    assert services.send_due_reminders() == 1
    assert services.send_due_reminders() == 0
    [notice] = notices()
    assert "Kindergarten welcome" in notice.subject and notice.notice_kind == "reminder"
    assert notice.recipient_count == 1  # the family's one guardian
    assert Notice.objects.filter(invitation=tomorrow, key="reminder-1440").count() == 1


def test_two_hour_reminder_follows_the_day_before_one(tomorrow):
    services.send_due_reminders()
    later = tomorrow.event.starts_at - dt.timedelta(minutes=90)
    assert services.send_due_reminders(now=later) == 1
    assert services.send_due_reminders(now=later) == 0
    assert sorted(Notice.objects.values_list("key", flat=True)) == [
        "reminder-120",
        "reminder-1440",
    ]
    assert len(notices()) == 2


def test_families_who_said_no_get_no_reminder(tomorrow):
    services.respond(invitation=tomorrow, answer=Answer.NO)
    assert services.send_due_reminders() == 0
    assert notices() == []


def test_reminder_offsets_are_configurable(tomorrow, settings):
    settings.EVENTS_REMINDER_MINUTES = [30]
    assert services.send_due_reminders() == 0


def test_a_configured_reminder_is_sent_at_its_offset_and_not_before(tomorrow, settings):
    from liaison.messaging.models import Delivery

    settings.EVENTS_REMINDER_MINUTES = [30]
    starts = tomorrow.event.starts_at
    assert services.send_due_reminders(now=starts - dt.timedelta(minutes=31)) == 0
    assert notices() == []
    assert services.send_due_reminders(now=starts - dt.timedelta(minutes=30)) == 1
    [notice] = notices()
    assert "Kindergarten welcome" in notice.subject and notice.notice_kind == "reminder"
    assert "Kindergarten welcome" in notice.body
    assert [d.guardian for d in Delivery.objects.filter(message=notice)] == list(
        tomorrow.household.guardians.all()
    )
    assert list(Notice.objects.filter(invitation=tomorrow).values_list("key", flat=True)) == [
        "reminder-30"
    ]
    assert services.send_due_reminders(now=starts - dt.timedelta(minutes=5)) == 0


def test_change_and_cancel_notices_go_once_to_everyone_invited(tomorrow):
    event = services.update_event(event=tomorrow.event, place="Gym")
    assert services.send_change_notices(event.pk, event.sequence) == 1
    assert services.send_change_notices(event.pk, event.sequence) == 0
    services.cancel_event(event=event)
    assert services.send_cancel_notices(event.pk) == 1
    assert services.send_cancel_notices(event.pk) == 0
    sent = notices()
    assert [m.subject for m in sent] == [
        "Changed: Kindergarten welcome",
        "Cancelled: Kindergarten welcome",
    ]
    assert "Gym" in sent[0].body and sent[1].urgent


def test_invitation_goes_once_in_the_familys_language_with_link_and_code(world):
    event = EventFactory(district=world.district, site=world.school)
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    assert services.send_invitations([inv.pk]) == 1
    assert services.send_invitations([inv.pk]) == 0
    [notice] = notices()
    assert event.code in notice.body and "/events/r/" in notice.body
    assert notice.dedupe_key == f"events:{inv.pk}:invite"
