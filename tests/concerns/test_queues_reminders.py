"""Queues (mine, due soon, overdue, unassigned, waiting), reassign-all, and reminders sent once."""

import datetime as dt
import io
import re

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services, tasks
from liaison.concerns.models import Concern, Reminder
from liaison.people.choices import Channel
from tests.concerns import factories as cf


def _make_overdue(concern, hours=5):
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - dt.timedelta(hours=hours))


def _queue(client, name):
    return client.get(reverse("concerns:queue"), {"queue": name}).content.decode()


def test_overdue_concern_is_in_the_overdue_queue_and_its_assignee_gets_one_reminder(client, world):
    late = cf.concern(world.caseload_family, assignee=world.liaison, urgency="urgent")
    on_time = cf.concern(world.caseload_family, assignee=world.liaison, category="transport")
    _make_overdue(late)
    client.force_login(world.liaison)
    overdue = _queue(client, "overdue")
    assert f"#{late.pk} " in overdue and f"#{on_time.pk} " not in overdue

    for _ in range(3):  # however often the check runs
        services.send_due_reminders()
    tasks.send_reminders.call()
    call_command("concern_reminders", "--now", stdout=io.StringIO())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.liaison.email]
    assert "Overdue concern: Caseload household" in message.subject
    assert f"/concerns/{late.pk}/" in message.body
    # The due moment as the reader writes it, not "2026-12-07 10:22".
    due = timezone.localtime(Concern.objects.get(pk=late.pk).due_at)
    assert f"was due {due:%-m/%-d/%y}, " in message.body
    assert not re.search(r"\d{4}-\d{2}-\d{2}", message.body)
    assert Reminder.objects.get().channel == Channel.EMAIL


def test_a_concern_resolved_before_the_check_sends_no_reminder(world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    services.change_status(
        concern=concern, status="resolved", by=world.liaison, resolution_summary="Done."
    )
    _make_overdue(concern)
    assert services.send_due_reminders() == 0
    assert mail.outbox == []


def test_moving_the_due_date_and_missing_it_again_sends_a_new_reminder(world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    _make_overdue(concern, hours=10)
    services.send_due_reminders()
    _make_overdue(concern, hours=2)
    services.send_due_reminders()
    services.send_due_reminders()
    assert len(mail.outbox) == 2


def test_queues_sort_concerns_for_the_liaison(client, world):
    mine = cf.concern(world.caseload_family, assignee=world.liaison)
    unassigned = cf.concern(world.caseload_family, category="health")
    soon = cf.concern(world.caseload_family, assignee=world.liaison, urgency="urgent")
    waiting = cf.concern(world.caseload_family, assignee=world.liaison, category="transport")
    services.change_status(concern=waiting, status="waiting_school", by=world.liaison)
    client.force_login(world.liaison)
    assert f"#{mine.pk} " in _queue(client, "mine")
    assert f"#{unassigned.pk} " not in _queue(client, "mine")
    assert f"#{unassigned.pk} " in _queue(client, "unassigned")
    due_soon = _queue(client, "due_soon")
    assert f"#{soon.pk} " in due_soon and f"#{mine.pk} " not in due_soon
    assert f"#{waiting.pk} " in _queue(client, "waiting")
    assert f"#{mine.pk} " not in _queue(client, "waiting")


def test_leader_hands_an_absent_liaisons_concerns_to_a_colleague(client, world):
    colleague = cf.colleague(world.district)
    open_ones = [
        cf.concern(world.caseload_family, assignee=world.liaison),
        cf.concern(world.site_family, assignee=world.liaison, category="health"),
    ]
    done = cf.concern(world.caseload_family, assignee=world.liaison, category="transport")
    services.change_status(
        concern=done, status="closed", by=world.liaison, closed_reason="duplicate"
    )
    client.force_login(world.leader)
    response = client.post(
        reverse("concerns:reassign_all"), {"from_user": world.liaison.pk, "to_user": colleague.pk}
    )
    assert response.status_code == 302
    for concern in open_ones:
        concern.refresh_from_db()
        assert concern.assignee == colleague
        assert concern.changes.filter(action="reassigned", new=str(colleague)).exists()
    done.refresh_from_db()
    assert done.assignee == world.liaison  # closed concerns keep their history as it was
    page = client.post(
        reverse("concerns:reassign_all"), {"from_user": colleague.pk, "to_user": colleague.pk}
    )
    assert "Choose someone else." in page.content.decode()


def test_follow_up_date_on_a_contact_reminds_the_liaison_on_that_day(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    contact = services.log_contact(
        household=world.caseload_family,
        by=world.liaison,
        kind="call",
        purpose="Bus pick-up time",
        next_step="Confirm the new stop",
        follow_up_on=tomorrow,
    )
    reminder = Reminder.objects.get(contact=contact)
    assert reminder.staff == world.liaison
    assert services.send_due_reminders() == 0  # not yet
    assert services.send_due_reminders(now=reminder.due_at + dt.timedelta(minutes=1)) == 1
    assert services.send_due_reminders(now=reminder.due_at + dt.timedelta(hours=2)) == 0
    assert "Confirm the new stop" in mail.outbox[0].body
    assert f"Phone call on {timezone.localtime(contact.at):%b %-d, %Y} about" in mail.outbox[0].body
