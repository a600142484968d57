"""The inbox, announcements with their audience and preview, and the household timeline."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from liaison.core import pages
from liaison.messaging import delivery, registry, services
from liaison.messaging.audiences import Audience
from liaison.messaging.models import Conversation, Delivery, Message, Rendering
from liaison.people.choices import Programme
from tests import factories as f
from tests.messaging.factories import family


def test_inbox_puts_threads_awaiting_a_reply_first_with_unread_counts(
    client, world, django_capture_on_commit_callbacks
):
    # Each write runs its on-commit work as its request would (the inbox is kept drawn until a
    # write bumps what it shows: core/live.py).
    commits = django_capture_on_commit_callbacks
    with commits(execute=True):
        quiet, (_q,) = family(world.district, guardians=1, name="Quiet", site=world.school)
        waiting, (w,) = family(world.district, guardians=1, name="Waiting", site=world.school)
        services.send_message(household=quiet, body="FYI", by=world.liaison)
        services.send_message(household=waiting, body="Question?", by=world.liaison)
        services.record_family_reply(guardian=w, body="Answer 1", channel="sms")
        services.record_family_reply(guardian=w, body="Answer 2", channel="sms")

    client.force_login(world.leader)
    rows = client.get(reverse("messaging:inbox"), headers={"HX-Request": "true"}).content.decode()
    assert rows.index("Waiting household") < rows.index("Quiet household")
    assert '<span class="badge">2</span>' in rows

    conversation = Conversation.objects.get(household=waiting)
    with commits(execute=True):
        client.get(reverse("messaging:conversation", args=[conversation.pk]))
    rows = client.get(reverse("messaging:inbox"), headers={"HX-Request": "true"}).content.decode()
    assert '<span class="badge">2</span>' not in rows

    with commits(execute=True):
        client.post(
            reverse("messaging:conversation_assign", args=[conversation.pk]),
            {"staff": world.liaison.pk},
        )
    conversation.refresh_from_db()
    assert conversation.assigned_to == world.liaison
    with commits(execute=True):
        client.post(reverse("messaging:conversation_done", args=[conversation.pk]))
    rows = client.get(reverse("messaging:inbox"), headers={"HX-Request": "true"}).content.decode()
    assert "Waiting household" not in rows
    done = client.get(reverse("messaging:inbox") + "?show=done").content.decode()
    assert "Waiting household" in done


def test_the_kept_inbox_shows_a_reply_and_a_read_at_once(
    client, world, django_capture_on_commit_callbacks
):
    """The inbox is drawn once and kept while nothing it shows changes: a family's reply, and the
    reader opening the thread, show on the very next visit."""
    commits = django_capture_on_commit_callbacks
    with commits(execute=True):
        home, (mum,) = family(world.district, guardians=1, name="Kept", site=world.school)
        services.send_message(household=home, body="Hello", by=world.liaison)
    client.force_login(world.leader)
    url = reverse("messaging:inbox")
    first = client.get(url).content.decode()
    assert "Kept household" in first and "unread-mark" not in first
    assert _tbody(client.get(url).content.decode()) == _tbody(first)  # kept: nothing changed

    with commits(execute=True):
        services.record_family_reply(guardian=mum, body="A new answer", channel="sms")
    after_reply = client.get(url).content.decode()
    assert "A new answer" in after_reply
    assert '<strong class="unread-mark">Unread</strong> <span class="badge">1</span>' in after_reply

    thread = Conversation.objects.get(household=home)
    with commits(execute=True):
        client.get(reverse("messaging:conversation", args=[thread.pk]))
    after_read = client.get(url).content.decode()
    assert "A new answer" in after_read and "unread-mark" not in after_read


def _tbody(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_a_liaison_replying_clears_the_wait(world):
    household, (mum,) = family(world.district, guardians=1)
    services.record_family_reply(guardian=mum, body="Hello?", channel="portal")
    services.send_message(household=household, body="Hi!", by=world.liaison)
    assert Conversation.objects.get(household=household).awaiting_since is None


def _guardian_with_child(district, site, *, grade, language, programme=None, **kwargs):
    household, (g,) = family(
        district, guardians=1, name=f"G{grade}{language}", language=language, **kwargs
    )
    student = f.StudentFactory(household=household, grade=grade, district=district)
    f.EnrolmentFactory(student=student, site=site)
    g.student_links.create(student=student)
    if programme:
        student.programmes.create(programme=programme)
    return g


def test_audience_by_site_grade_programme_and_language(world):
    g3_es = _guardian_with_child(world.district, world.school, grade="10", language="es")
    g3_ar_el = _guardian_with_child(
        world.district, world.school, grade="10", language="ar", programme=Programme.ENGLISH_LEARNER
    )
    g7_es = _guardian_with_child(world.district, world.other_school, grade="11", language="es-MX")

    def pick(**kw):
        return set(Audience(**kw).guardians(district=world.district, user=world.admin))

    assert pick(sites=[world.school.pk], grades=["10"]) == {g3_es, g3_ar_el}
    assert pick(programmes=[Programme.ENGLISH_LEARNER]) == {g3_ar_el}
    assert {g3_es, g7_es} <= pick(languages=["es"])
    assert g3_ar_el not in pick(languages=["es"])
    # A leader's announcement stays within what the leader may see.
    assert g7_es not in set(Audience().guardians(district=world.district, user=world.leader))


def test_audience_sources_and_not_reached(world):
    a = _guardian_with_child(world.district, world.school, grade="01", language="es")
    b = _guardian_with_child(world.district, world.school, grade="01", language="vi")
    registry.register_audience_source(
        "test_invitees", "Invitees of an event", lambda *, district, user, param: [a.pk]
    )
    try:
        chosen = Audience(source="test_invitees", source_param="7").guardians(
            district=world.district, user=world.admin
        )
        assert list(chosen) == [a]
    finally:
        registry._audience_sources.pop("test_invitees")
    services.send_message(household=a.household, body="Hi", by=world.liaison)
    Delivery.objects.filter(guardian=a).update(state="sent", sent_at=timezone.now())
    unreached = set(
        Audience(not_reached_days=30).guardians(district=world.district, user=world.admin)
    )
    assert b in unreached and a not in unreached


def test_preview_counts_languages_channels_and_says_who_cannot_be_reached(world):
    ok_sms = _guardian_with_child(world.district, world.school, grade="02", language="es")
    ok_email = _guardian_with_child(
        world.district, world.school, grade="02", language="ar", preferred_channels=["email"]
    )
    barred = _guardian_with_child(world.district, world.school, grade="02", language="so")
    barred.contact_restricted = True
    barred.contact_restriction_reason = "Court order"
    barred.save()
    services.opt_out(channel="sms", address=ok_sms.phone)
    preview = services.preview_announcement(
        district=world.district, audience=Audience(grades=["02"]), user=world.admin
    )
    assert preview.total == 3 and preview.reachable == 2
    assert dict(preview.by_language) == {"es": 1, "ar": 1}
    assert dict(preview.by_channel) == {"email": 2}  # the opted-out texter gets email instead
    reasons = {str(r): n for r, n, _sample in preview.unreachable}
    assert reasons == {"Contact restriction": 1}
    assert ok_email.pk  # reached by email


def test_announcement_form_previews_then_sends_once_per_language(client, world, gateway):
    for lang in ["es", "es", "ar", "vi"]:
        _guardian_with_child(world.district, world.school, grade="04", language=lang)
    client.force_login(world.admin)
    data = {"subject": "Picture day", "body": "Picture day is Friday", "grades": ["04"]}
    preview = client.post(reverse("messaging:announcement_new"), {**data, "preview": "1"})
    assert "4</strong> guardians will receive it" in preview.content.decode()
    assert not Message.objects.filter(kind="announcement").exists()
    bad = client.post(
        reverse("messaging:announcement_new"), {**data, "languages": "not a tag!", "send": "1"}
    )
    assert "know a language called “not a tag!”" in bad.content.decode()
    assert "Picture day is Friday" in bad.content.decode()  # nothing typed is lost
    response = client.post(reverse("messaging:announcement_new"), {**data, "send": "1"})
    message = Message.objects.get(kind="announcement")
    assert response["Location"] == reverse("messaging:announcement", args=[message.pk])
    services.prepare_message(message.pk)
    delivery.drain()
    assert len(gateway.sent) == 4
    assert Rendering.objects.filter(message=message).count() == 3
    page = client.get(reverse("messaging:announcement", args=[message.pk])).content.decode()
    assert "Picture day" in page
    client.force_login(world.liaison)
    assert client.get(reverse("messaging:announcement", args=[message.pk])).status_code == 404


def test_a_scheduled_announcement_waits_for_its_time(world, gateway):
    g = _guardian_with_child(world.district, world.school, grade="05", language="es")
    later = timezone.now() + dt.timedelta(hours=2)
    message = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[g.pk]),
        subject="Later",
        body="Later",
        by=world.admin,
        send_at=later,
    )
    services.prepare_message(message.pk)
    delivery.drain()
    assert gateway.sent == []
    assert Delivery.objects.get(message=message).next_attempt_at == later


def test_messages_and_deliveries_appear_on_the_household_timeline(client, world, gateway):
    household = world.caseload_family
    mum = household.guardians.get()
    services.send_message(household=household, body="Welcome to Alder", by=world.liaison)
    delivery.drain()
    services.record_family_reply(guardian=mum, body="Thank you", channel="sms")
    entries = [
        e for e in pages.timeline("household", household, world.liaison) if e.kind == "message"
    ]
    assert [e.summary for e in entries] == ["Thank you", "Welcome to Alder"]
    # In words, not the stored codes.
    assert entries[1].badges == (f"{mum.given_name}: Sent (Text message)",)
    assert [
        e for e in pages.timeline("household", household, world.teacher) if e.kind == "message"
    ] == []
    client.force_login(world.liaison)
    page = client.get(household.get_absolute_url()).content.decode()
    assert "Welcome to Alder" in page and "Thank you" in page


def test_other_apps_can_open_the_builder_with_their_audience_chosen(client, world):
    registry.register_audience_source(
        "test_list", "A list", lambda *, district, user, param: [int(param)]
    )
    try:
        client.force_login(world.admin)
        page = client.get(
            reverse("messaging:announcement_new") + "?source=test_list&source_param=42"
        ).content.decode()
        assert '<option value="test_list" selected>' in page and 'value="42"' in page
    finally:
        registry._audience_sources.pop("test_list")


def test_an_open_thread_polls_nothing_until_a_reply_or_a_delivery_changes_it(
    client, world, django_assert_num_queries, django_capture_on_commit_callbacks
):
    import re

    household, (mum,) = family(world.district, guardians=1, name="Polled", site=world.school)
    services.send_message(household=household, body="Hello from school", by=world.liaison)
    conversation = Conversation.objects.get(household=household)
    client.force_login(world.leader)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert page.status_code == 200
    page = page.content.decode()
    poll = re.search(r'hx-get="([^"]*/messages/\?live=[^"]+)"', page).group(1)
    poll = poll.replace("&amp;", "&")

    with django_assert_num_queries(0):  # answered from the live cache, before the session
        quiet = client.get(poll, headers={"HX-Request": "true"})
    assert quiet.status_code == 304 and quiet.content == b""

    with django_capture_on_commit_callbacks(execute=True):
        services.record_family_reply(guardian=mum, body="Gracias, llego tarde", channel="sms")
    changed = client.get(poll, headers={"HX-Request": "true"})
    assert changed.status_code == 200
    assert "Gracias, llego tarde" in changed.content.decode()
    newer = re.search(r'hx-get="([^"]*\?live=[^"]+)"', changed.content.decode()).group(1)
    assert client.get(newer.replace("&amp;", "&")).status_code == 304

    # A delivery that moves on (the provider says it was delivered) shows without a new message.
    sent = Delivery.objects.filter(message__conversation=conversation).get()
    Delivery.objects.filter(pk=sent.pk).update(state="sent", provider_id="SMpolled1")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_delivery_status(provider_id="SMpolled1", status="delivered")
    assert client.get(newer.replace("&amp;", "&")).status_code == 200
