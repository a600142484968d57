"""Concerns through the messaging app: a message becomes a concern; summaries, questions, SMS reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services
from liaison.concerns.models import Concern
from liaison.messaging import services as messaging
from liaison.messaging.models import Delivery, Message
from liaison.people.choices import Channel
from tests.concerns import factories as cf
from tests.messaging.gateway import FakeGateway


@pytest.fixture
def gateway(settings):
    from liaison.messaging import channels

    with FakeGateway() as gw:
        settings.MESSAGING_SMS_BASE_URL = gw.url
        settings.MESSAGING_SMS_ACCOUNT_SID = gw.account
        settings.MESSAGING_SMS_AUTH_TOKEN = gw.token
        settings.MESSAGING_SMS_FROM = "+16175550199"
        settings.MESSAGING_CHANNELS = {}
        channels.reset()
        yield gw
        channels.reset()


def test_a_family_message_becomes_a_concern_in_one_step(client, world):
    guardian = world.caseload_family.guardians.first()
    message = messaging.record_family_reply(
        guardian=guardian, body="El autobús no pasó hoy otra vez.", channel="sms"
    )
    client.force_login(world.liaison)
    url = reverse("concerns:from_message", args=[message.pk])
    assert "El autobús no pasó hoy otra vez." in client.get(url).content.decode()
    category = world.district.concern_categories.get(code="transport")
    response = client.post(url, {"category": category.pk, "urgency": "high", "assign_to_me": "on"})
    concern = Concern.objects.get()
    assert response["Location"] == concern.get_absolute_url()
    assert concern.description == "El autobús no pasó hoy otra vez."
    assert concern.language == "es" and concern.guardian == guardian
    assert concern.source == "message" and concern.assignee == world.liaison
    # The same message twice is still one concern.
    again = services.raise_concern_from_message(message=message, by=world.liaison)
    assert again == concern and client.get(url)["Location"] == concern.get_absolute_url()


def test_agreed_summary_is_sent_to_the_family_in_their_language_once(world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    meeting = cf.meeting(concern)
    services.update_meeting(
        meeting=meeting, by=world.liaison, agreements="The bus stop moves to Elm Street."
    )
    services.add_follow_up_action(
        meeting=meeting,
        description="Confirm with transport",
        owner=world.leader,
        due_on=timezone.localdate() + dt.timedelta(days=3),
        by=world.liaison,
    )
    assert services.send_meeting_summary(meeting=meeting, by=world.liaison) is True
    assert services.send_meeting_summary(meeting=meeting, by=world.liaison) is True
    message = Message.objects.get(notice_kind="mediation_summary")
    assert "Elm Street" in message.body and "Confirm with transport" in message.body
    due = timezone.localdate() + dt.timedelta(days=3)
    # The due day as a person writes it, not the database's ISO form.
    assert (
        f"{due:%b} {due.day}, {due.year})" in message.body and due.isoformat() not in message.body
    )
    assert message.related_type == "concerns.mediationmeeting"
    deliveries = Delivery.objects.filter(message=message)
    assert deliveries.count() == 1 and deliveries.get().language == "es"
    meeting.refresh_from_db()
    assert meeting.summary_sent_at is not None
    assert concern.changes.filter(action="summary_sent").exists()


def test_family_is_asked_about_satisfaction_once_and_their_answer_is_stored(world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    services.change_status(
        concern=concern, status="resolved", by=world.liaison, resolution_summary="Fixed."
    )
    concern.refresh_from_db()
    assert services.ask_satisfaction(concern=concern, by=world.liaison)
    assert services.ask_satisfaction(concern=concern, by=world.liaison)
    question = Message.objects.get(notice_kind="concern_satisfaction")
    assert Delivery.objects.filter(message=question).get().language == "es"
    guardian = world.caseload_family.guardians.first()
    services.record_satisfaction(
        concern=concern, answer="partly", comment="Mejor", guardian=guardian
    )
    concern.refresh_from_db()
    assert concern.satisfaction == "partly" and concern.satisfaction_comment == "Mejor"


def test_reminder_goes_by_sms_to_staff_who_chose_it(world, gateway):
    world.liaison.notify_channel = Channel.SMS
    world.liaison.phone = "+16175550142"
    world.liaison.save()
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    services.send_due_reminders()
    services.send_due_reminders()
    assert [m["to"] for m in gateway.sent] == ["+16175550142"]
    assert "Overdue concern" in gateway.sent[0]["body"]
    assert mail.outbox == []


def test_sms_reminder_falls_back_to_email_when_the_gateway_fails(world, gateway):
    world.liaison.notify_channel = Channel.SMS
    world.liaison.phone = "+16175550142"
    world.liaison.save()
    gateway.fail_next(5, status=400)
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert services.send_due_reminders() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.liaison.email]


def test_thread_page_offers_each_family_message_as_a_concern_then_links_to_it(
    client, world, django_capture_on_commit_callbacks
):
    guardian = world.caseload_family.guardians.first()
    message = messaging.record_family_reply(
        guardian=guardian, body="Mi hija no tiene asiento en el autobús.", channel="sms"
    )
    client.force_login(world.liaison)
    thread = reverse("messaging:conversation", args=[message.conversation_id])
    make = reverse("concerns:from_message", args=[message.pk])
    page = client.get(thread).content.decode()
    assert f'href="{make}"' in page and "Make this a concern" in page
    category = world.district.concern_categories.get(code="transport")
    with django_capture_on_commit_callbacks(execute=True):  # as its request commits
        response = client.post(make, {"category": category.pk, "urgency": "normal"})
    concern = Concern.objects.get(source_message_id=message.pk)
    assert response["Location"] == concern.get_absolute_url()
    page = client.get(thread).content.decode()
    assert f'href="{concern.get_absolute_url()}"' in page and f'href="{make}"' not in page


def test_interpreter_reads_the_thread_without_the_make_a_concern_link(client, world):
    guardian = world.interpreted_family.guardians.first()
    message = messaging.record_family_reply(guardian=guardian, body="مرحبا", channel="sms")
    client.force_login(world.interpreter)
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert page.status_code == 200 and "مرحبا" in page.content.decode()
    assert reverse("concerns:from_message", args=[message.pk]) not in page.content.decode()


def _asked(world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    services.change_status(
        concern=concern, status="resolved", by=world.liaison, resolution_summary="Fixed."
    )
    concern.refresh_from_db()
    assert services.ask_satisfaction(concern=concern, by=world.liaison)
    return concern, world.caseload_family.guardians.get()


def test_family_answers_the_satisfaction_question_by_texting_its_number(world):
    from liaison.messaging.inbound import handle_inbound_sms

    concern, guardian = _asked(world)
    question = Message.objects.get(notice_kind="concern_satisfaction")
    assert "Reply 1 for yes" in question.body
    result = handle_inbound_sms(sender=guardian.phone, body="1", provider_id="SM-sat-1")
    assert result["outcome"] == "handled"
    concern.refresh_from_db()
    assert concern.satisfaction == "yes" and concern.satisfaction_answered_at is not None
    assert concern.changes.filter(action="satisfaction", by_name__contains="Caseload").exists()


def test_a_spanish_partly_with_words_is_stored_and_left_for_the_liaison(world):
    from liaison.messaging.inbound import handle_inbound_sms

    concern, guardian = _asked(world)
    body = "En parte, el autobús todavía llega tarde"
    result = handle_inbound_sms(sender=guardian.phone, body=body, provider_id="SM-sat-2")
    assert result["outcome"] == "stored"  # the thread still waits for a person
    concern.refresh_from_db()
    assert concern.satisfaction == "partly"
    assert concern.satisfaction_comment == "el autobús todavía llega tarde"


def test_a_bare_spanish_no_answers_the_question(world):
    from liaison.messaging.inbound import handle_inbound_sms

    concern, guardian = _asked(world)
    result = handle_inbound_sms(sender=guardian.phone, body="No.", provider_id="SM-sat-4")
    assert result["outcome"] == "handled"
    concern.refresh_from_db()
    assert concern.satisfaction == "no"


def test_satisfaction_replies_are_read_in_english_and_spanish_words_and_numbers():
    parse = services.parse_satisfaction_reply
    assert parse("Sí, gracias") == ("yes", "gracias")
    assert parse("más o menos") == ("partly", "")
    assert parse("Partly - thanks") == ("partly", "thanks")
    assert parse("3 still late") == ("no", "still late")
    assert parse("Nothing changed") is None and parse("12 de mayo") is None


def test_a_no_after_another_message_is_not_taken_as_the_answer(world):
    from liaison.messaging.inbound import handle_inbound_sms

    concern, guardian = _asked(world)
    messaging.send_message(
        household=world.caseload_family, body="¿Puede venir el martes?", by=world.liaison
    )
    handle_inbound_sms(sender=guardian.phone, body="No", provider_id="SM-sat-3")
    concern.refresh_from_db()
    assert concern.satisfaction == ""


def test_a_reminder_links_to_the_concern_on_the_public_host(world, settings):
    from liaison.messaging import channels

    settings.PUBLIC_URL = "https://liaison.riverside.example.org"
    settings.MESSAGING_CHANNELS = {}
    channels.reset()
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert services.send_due_reminders() == 1
    [reminder] = mail.outbox
    assert f"https://liaison.riverside.example.org{concern.get_absolute_url()}" in reminder.body
    channels.reset()
