"""A thread's messages are kept drawn while nothing they show changes (messaging.views): what is
written shows on the very next view. These tests commit as requests do (transaction=True), so the
live versions are bumped exactly as in production."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services as concerns
from liaison.messaging import services
from liaison.messaging.models import Conversation, Message
from tests.conftest import make_world
from tests.messaging.factories import family

pytestmark = pytest.mark.django_db(transaction=True)


def _thread(client, conversation) -> str:
    return client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()


def test_a_family_reply_shows_on_the_next_view_of_a_kept_thread(client):
    world = make_world()
    home, (mum,) = family(world.district, guardians=1, name="Kept", site=world.school)
    services.send_message(household=home, body="First note", by=world.liaison)
    conversation = Conversation.objects.get(household=home)
    client.force_login(world.leader)
    assert "First note" in _thread(client, conversation)
    assert "First note" in _thread(client, conversation)  # kept

    services.record_family_reply(guardian=mum, body="A reply from home", channel="sms")
    assert "A reply from home" in _thread(client, conversation)


def test_a_message_sent_from_the_thread_shows_in_its_answer(client):
    world = make_world()
    home, _ = family(world.district, guardians=1, name="Sender", site=world.school)
    services.send_message(household=home, body="Hello", by=world.liaison)
    conversation = Conversation.objects.get(household=home)
    client.force_login(world.leader)
    _thread(client, conversation)  # drawn and kept

    answer = client.post(
        reverse("messaging:conversation", args=[conversation.pk]),
        {"body": "Sent just now"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Sent just now" in answer
    assert "Sent just now" in _thread(client, conversation)
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert "Sent just now" in inbox


def test_a_message_made_a_concern_shows_its_concern_on_the_next_view(client):
    world = make_world()
    home, (mum,) = family(world.district, guardians=1, name="Worried", site=world.school)
    services.record_family_reply(guardian=mum, body="The bus never came", channel="sms")
    conversation = Conversation.objects.get(household=home)
    client.force_login(world.leader)
    assert "Make this a concern" in _thread(client, conversation)

    message = Message.objects.get(body="The bus never came")
    concern = concerns.raise_concern_from_message(message=message, by=world.leader)
    page = _thread(client, conversation)
    assert f"Concern #{concern.pk}" in page and "Make this a concern" not in page


def test_each_view_of_a_kept_thread_is_logged_and_carries_its_own_csrf_token(client):
    from liaison.audit.models import AccessLog

    world = make_world()
    home, _ = family(world.district, guardians=1, name="Logged", site=world.school)
    later = timezone.now() + dt.timedelta(days=2)  # scheduled: its cancel form is in the list
    services.send_message(household=home, body="Hello", by=world.liaison, send_at=later)
    conversation = Conversation.objects.get(household=home)
    client.force_login(world.leader)
    before = AccessLog.objects.filter(household_id=home.pk, action="messages").count()
    _thread(client, conversation)
    page = _thread(client, conversation)
    assert AccessLog.objects.filter(household_id=home.pk, action="messages").count() == before + 2
    listed = page[page.index('<ol class="messages">') : page.index("</ol>")]
    assert 'name="csrfmiddlewaretoken" value="' in listed and "liaison-kept-csrf" not in page
