"""The staff pages: create (with a repeat rule), invite by audience, committees, and no query per row."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.events import services
from liaison.events.choices import Answer
from liaison.events.models import Event, Group, Invitation
from tests import factories as f
from tests.events.factories import EventFactory


def _form(world, **extra):
    data = {
        "kind": "workshop",
        "title": "Navigating high school",
        "description": "For families of 8th graders.",
        "language": "en",
        "site": world.school.pk,
        "starts_at": "2027-02-03T18:00",
        "ends_at": "2027-02-03T19:30",
        "repeat": "WEEKLY",
        "repeat_times": "3",
        "place": "Library",
        "capacity": "40",
        "interpretation": "es, so",
        "childcare_offered": "on",
    }
    data.update(extra)
    return data


def test_liaison_creates_a_weekly_workshop_in_the_sites_time(client, world):
    client.force_login(world.liaison)
    response = client.post(reverse("events:new"), _form(world))
    assert response.status_code == 302
    events = list(Event.objects.filter(title="Navigating high school").order_by("starts_at"))
    assert len(events) == 3
    local = events[0].starts_at.astimezone(world.school.zone)
    assert (local.hour, local.minute) == (18, 0)
    assert events[0].interpretation == ["es", "so"]
    page = client.get(response["Location"]).content.decode()
    assert "Navigating high school" in page and "Also on" in page


def test_mistakes_are_explained_and_what_was_typed_is_kept(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("events:new"),
        _form(world, ends_at="2027-02-03T17:00", repeat_times="", interpretation="%%"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "must end after it starts" in html
    assert "Say when it stops: a last day or a number of times." in html
    assert "know a language called “%%”" in html
    assert 'value="Navigating high school"' in html
    assert not Event.objects.exists()


def test_invite_families_of_the_school_who_speak_one_language(client, world):
    event = EventFactory(district=world.district, site=world.school)
    client.force_login(world.leader)
    response = client.post(
        reverse("events:invite", args=[event.pk]), {"audience": "site", "language": "vi"}
    )
    assert response.status_code == 302
    assert list(event.invitations.values_list("household__name", flat=True)) == [
        "Sitefamily household"
    ]


def test_a_liaison_can_only_invite_families_they_may_see(client, world):
    event = EventFactory(district=world.district, site=None)
    client.force_login(world.liaison)
    client.post(reverse("events:invite", args=[event.pk]), {"audience": "caseload"})
    assert list(event.invitations.values_list("household", flat=True)) == [world.caseload_family.pk]


def test_committee_with_members_meetings_minutes_and_asks(client, world):
    client.force_login(world.liaison)
    client.post(
        reverse("events:groups"),
        {"name": "ELAC", "kind": "elac", "site": world.school.pk, "language": "es"},
    )
    group = Group.objects.get(name="ELAC")
    guardian = world.caseload_family.guardians.get()
    client.post(
        reverse("events:group", args=[group.pk]), {"guardian": guardian.pk, "role": "chair"}
    )
    meeting = EventFactory(
        district=world.district, site=world.school, group=group, kind="committee"
    )
    client.post(reverse("events:minutes", args=[meeting.pk]), {"minutes": "Quorum reached."})
    client.post(
        reverse("events:group", args=[group.pk]),
        {
            "ask-text": "Spanish interpretation at every board meeting",
            "ask-meeting": meeting.pk,
            "ask-status": "asked",
            "ask-response": "",
        },
    )
    html = client.get(reverse("events:group", args=[group.pk])).content.decode()
    assert guardian.full_name in html and "Chair" in html
    assert "· Spanish</p>" in html, "the group's language by name, not its tag"
    assert "Spanish interpretation at every board meeting" in html
    assert "minutes recorded" in html
    meeting.refresh_from_db()
    assert meeting.minutes == "Quorum reached."


def test_event_page_makes_no_query_per_invited_family(client, world):
    event = EventFactory(district=world.district, site=world.school, capacity=100)

    def page_queries():
        client.force_login(world.admin)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("events:event", args=[event.pk])).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        inv = Invitation.objects.create(
            event=event, household=f.HouseholdFactory(district=world.district)
        )
        services.respond(invitation=inv, answer=Answer.YES)
    few = page_queries()
    for _ in range(15):
        inv = Invitation.objects.create(
            event=event, household=f.HouseholdFactory(district=world.district)
        )
        services.respond(invitation=inv, answer=Answer.MAYBE, interpreter_language="so")
    assert page_queries() == few


def test_household_events_page_shows_answers_and_the_check_in_code(client, world):
    event = EventFactory(
        district=world.district,
        site=world.school,
        title="Open house",
        starts_at=dt.datetime(2027, 5, 1, 16, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 5, 1, 18, tzinfo=dt.UTC),
    )
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    services.respond(invitation=inv, answer=Answer.YES, party_size=4)
    client.force_login(world.liaison)
    html = client.get(reverse("events:household_events", args=[world.caseload_family.pk]))
    html = html.content.decode()
    assert "Open house" in html and "Confirmed" in html and f"/events/qr/{inv.token}.svg" in html


def test_with_the_immediate_backend_creating_an_event_works_and_invitations_go_at_once(
    client, world, settings, django_capture_on_commit_callbacks
):
    """That backend cannot hold the reminders until their time: the event is still created (no
    error page) and what needs no waiting, the invitations, is sent at once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(world.liaison)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:new"), _form(world, repeat=""))
    assert response.status_code == 302
    event = Event.objects.get(title="Navigating high school")
    assert client.get(response["Location"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_households(event=event, households=[world.site_family])
    assert event.invitations.get().notices.exists()


def test_invited_look_alike_households_are_told_apart(client, world):
    event = EventFactory(district=world.district, site=world.school, capacity=100)
    for given, phone in [("Marta", "+12125550142"), ("Rosa", "+12125550977")]:
        household = f.HouseholdFactory(district=world.district, name="Castillo household")
        f.GuardianFactory(
            household=household, given_name=given, family_name="Castillo", phone=phone
        )
        Invitation.objects.create(event=event, household=household)
    client.force_login(world.admin)
    html = client.get(reverse("events:event", args=[event.pk])).content.decode()
    assert "Marta Castillo" in html and "phone ending 0142" in html
    assert "Rosa Castillo" in html and "phone ending 0977" in html
