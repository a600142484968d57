"""A member of staff's own thread with a family: a teacher writes to a pupil's parents as
themselves, the family's answer (text, email, portal) comes back to that thread, and only the
teacher and the family's liaison team read it."""

from email.message import EmailMessage

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from liaison.messaging import delivery, services
from liaison.messaging.models import Conversation
from liaison.portal.session import SESSION_KEY
from tests.messaging.webhooks import inbound


def _sign_in(client, user):
    client.force_login(user)
    return client


def _teacher_writes(world, body="Lina read beautifully today."):
    household = world.taught_family
    thread = services.conversation_for(household, staff=world.teacher)
    message = services.send_message(
        household=household, body=body, by=world.teacher, conversation=thread
    )
    return household, thread, message


def test_a_teacher_writes_from_the_household_page_into_their_own_thread(client, world, gateway):
    household = world.taught_family
    _sign_in(client, world.teacher)
    page = client.get(household.get_absolute_url()).content.decode()
    url = reverse("messaging:household_write_own", args=[household.pk])
    assert url in page
    # The shared thread is not theirs: no "write to family" there.
    assert f'"{reverse("messaging:household_write", args=[household.pk])}"' not in page
    response = client.post(url, {"body": "Lina read beautifully today."})
    thread = Conversation.objects.get(household=household, staff=world.teacher)
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert thread.assigned_to == world.teacher
    assert "Your own thread with this family" in client.get(thread.get_absolute_url()).text
    assert not Conversation.objects.filter(household=household, staff__isnull=True).exists()
    delivery.drain()
    (sent,) = gateway.sent
    assert sent["to"] == household.guardians.get().phone
    # Signed, so the family knows which teacher wrote (their answer goes back to her).
    assert f"Lina read beautifully today.\n— {world.teacher.get_full_name()}\n" in sent["body"]
    # Writing again goes to the same thread.
    client.post(thread.get_absolute_url(), {"body": "Reading log attached soon."})
    assert Conversation.objects.filter(household=household).count() == 1
    assert thread.messages.count() == 2


def test_one_thread_per_household_and_staff_member(world):
    household = world.taught_family
    first = services.conversation_for(household, staff=world.teacher)
    assert services.conversation_for(household, staff=world.teacher) == first
    shared = services.conversation_for(household)
    assert shared != first and shared.staff is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(
            household=household, district=household.district, staff=world.teacher
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(household=household, district=household.district)


def test_who_reads_a_teachers_thread(client, world, gateway):
    _household, thread, _message = _teacher_writes(world)
    url = thread.get_absolute_url()
    # The teacher, and the people who read the family's shared thread (liaison team, leaders).
    for user in (world.teacher, world.admin, world.leader):
        _sign_in(client, user)
        assert client.get(url).status_code == 200, user
    # A liaison of the school, the family not on their caseload: breaks the glass first.
    _sign_in(client, world.liaison)
    assert client.get(url)["Location"] == world.taught_family.get_absolute_url()
    for user in (world.interpreter, world.outsider):
        _sign_in(client, user)
        assert client.get(url).status_code == 404, user
    # Another teacher of the same school does not.
    from liaison.people.choices import Role
    from tests import factories as f

    other = f.UserFactory(username="other-teacher")
    f.MembershipFactory(user=other, district=world.district, site=world.school, role=Role.TEACHER)
    _sign_in(client, other)
    assert client.get(url).status_code == 404
    # The teacher still cannot open the household's shared thread.
    shared = services.conversation_for(world.taught_family)
    _sign_in(client, world.teacher)
    assert client.get(shared.get_absolute_url()).status_code == 404


def test_a_teacher_cannot_start_a_thread_with_a_family_they_do_not_teach(client, world):
    _sign_in(client, world.teacher)
    url = reverse("messaging:household_write_own", args=[world.site_family.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "hello"}).status_code == 404
    assert not Conversation.objects.exists()


def test_a_teachers_inbox_lists_their_own_threads_only(client, world, gateway):
    _teacher_writes(world)
    services.send_message(household=world.taught_family, body="From the team", by=world.liaison)
    services.send_message(household=world.caseload_family, body="Hello", by=world.liaison)
    _sign_in(client, world.teacher)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert page.count("/messages/threads/") == 1
    thread = Conversation.objects.get(staff=world.teacher)
    assert thread.get_absolute_url() in page
    # The liaison's inbox has every thread, the teacher's marked as theirs.
    _sign_in(client, world.admin)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert thread.get_absolute_url() in page
    assert f"{world.teacher}'s thread" in page


def test_a_text_back_goes_to_the_thread_that_last_wrote_to_that_number(client, world, gateway):
    household, thread, _message = _teacher_writes(world)
    parent = household.guardians.get()
    delivery.drain()
    inbound(client, parent.phone, "Thank you! She loves that book.", "SM-T1")
    assert list(thread.messages.values_list("direction", flat=True)) == ["out", "in"]
    thread.refresh_from_db()
    assert thread.awaiting_since is not None
    # Then the liaison team writes; the next text answers them.
    services.send_message(household=household, body="Workshop on Friday?", by=world.liaison)
    delivery.drain()
    inbound(client, parent.phone, "Yes, I will come", "SM-T2")
    shared = Conversation.objects.get(household=household, staff__isnull=True)
    assert list(shared.messages.values_list("direction", "body")) == [
        ("out", "Workshop on Friday?"),
        ("in", "Yes, I will come"),
    ]
    assert thread.messages.count() == 2


def test_an_email_reply_lands_in_the_thread_of_its_reply_address(client, world, settings):
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = "inbound-secret"
    household, thread, _message = _teacher_writes(world)
    parent = household.guardians.get()
    parent.email = "taught.parent@example.org"
    parent.save(update_fields=["email"])
    # The liaison team wrote later, but the email answers the teacher's message.
    services.send_message(household=household, body="From the team", by=world.liaison)
    msg = EmailMessage()
    msg["From"] = f"Parent <{parent.email}>"
    msg["To"] = f"reply+{thread.reply_token}@liaison.example.org"
    msg["Subject"] = "Re: Lina"
    msg["Message-ID"] = "<reply-teacher@example.org>"
    msg.set_content("Thank you for telling me.")
    response = client.post(
        "/messages/email/inbound/",
        msg.as_bytes(),
        content_type="message/rfc822",
        headers={"Authorization": "Bearer inbound-secret"},
    )
    assert response.status_code == 202
    assert thread.messages.filter(direction="in").get().body == "Thank you for telling me."


def test_the_family_sees_each_thread_in_the_portal_and_answers_in_it(client, world, gateway):
    household, thread, _message = _teacher_writes(world)
    services.send_message(household=household, body="From the team", by=world.liaison)
    delivery.drain()
    parent = household.guardians.get()
    session = client.session
    session[SESSION_KEY] = parent.pk
    session.save()
    home = client.get(reverse("portal:home")).content.decode()
    assert "2" in home  # two new messages, one in each thread
    listing = client.get(reverse("portal:conversations"))
    assert listing.status_code == 200
    page = listing.content.decode()
    shared = Conversation.objects.get(household=household, staff__isnull=True)
    assert reverse("portal:conversation", args=[thread.pk]) in page
    assert reverse("portal:conversation", args=[shared.pk]) in page
    assert world.teacher.get_full_name() in page
    # Opening the teacher's thread shows only its messages, and a reply stays there.
    opened = client.get(reverse("portal:conversation", args=[thread.pk])).content.decode()
    assert "Lina read beautifully today." in opened and "From the team" not in opened
    client.post(reverse("portal:conversation", args=[thread.pk]), {"body": "Merci!"})
    assert thread.messages.filter(direction="in").get().body == "Merci!"
    assert not shared.messages.filter(direction="in").exists()
    # The shared thread still counts as new; the teacher's is read.
    from liaison.portal import inbox
    from liaison.portal import services as portal_services

    seen = portal_services.threads_seen_at(parent)
    assert inbox.new_in_thread(parent, thread, seen.get(thread.pk)) == 0
    assert inbox.new_in_thread(parent, shared, seen.get(shared.pk)) == 1


def test_a_family_with_no_thread_can_write_to_the_school(client, world):
    parent = world.site_family.guardians.get()
    session = client.session
    session[SESSION_KEY] = parent.pk
    session.save()
    page = client.get(reverse("portal:conversations")).content.decode()
    assert 'name="body"' in page
    response = client.post(reverse("portal:conversations"), {"body": "Who do I ask about buses?"})
    shared = Conversation.objects.get(household=world.site_family, staff__isnull=True)
    assert response.status_code == 302
    assert shared.messages.get().body == "Who do I ask about buses?"
    shared.refresh_from_db()
    assert shared.awaiting_since is not None


def test_a_thread_outlives_nothing_the_family_wrote(world, gateway):
    """A staff account with a thread is deactivated, never deleted with the family's words."""
    from django.db.models import ProtectedError

    _teacher_writes(world)
    with pytest.raises(ProtectedError):
        world.teacher.delete()


def test_the_demo_has_a_teachers_thread_and_liaison_threads(db):
    from liaison.demo import district as demo
    from liaison.people.models import User

    demo.build_demo(seed=7, households=60, students=90)
    teacher = User.objects.get(username="teacher")
    liaison = User.objects.get(username="liaison")
    own = Conversation.objects.get(staff=teacher)
    assert own.assigned_to == teacher
    assert list(own.messages.values_list("direction", flat=True)) == ["out", "in"]
    shared = Conversation.objects.filter(staff__isnull=True, household__assignments__staff=liaison)
    # The demo's liaison threads (and the year's history behind them), some awaiting a reply.
    assert shared.count() >= 3
    assert shared.filter(awaiting_since__isnull=False).count() >= 2
