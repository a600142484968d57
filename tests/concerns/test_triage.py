"""Triage of a family's concern: routed to their liaison (else the school's liaison team), its
urgency and due date from the district's table (bullying, safety, discrimination: high, due the next
school day), the liaison and the site leader told at once and once; staff keep their own urgency;
urgency shown in colour and words; closing asks for the outcome or the reason there is none."""

import datetime as dt
import email
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from liaison.concerns import services
from liaison.concerns.choices import Status, Urgency
from liaison.concerns.models import Concern, ConcernCategory
from liaison.messaging.models import StaffDelivery
from liaison.portal import family
from liaison.portal.session import SESSION_KEY
from tests import factories as f
from tests.concerns import factories as cf
from tests.messaging.smtp import SMTPServer

WORDS = "Unos niños empujan a mi hijo en el recreo todos los días."
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Friday 11 December 2026, 10:00 in New York (the district's zone in the tests).
FRIDAY_MORNING = dt.datetime(2026, 12, 11, 10, 0, tzinfo=NEW_YORK)
MONDAY_END_OF_DAY = dt.datetime(2026, 12, 14, 17, 0, tzinfo=NEW_YORK)


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


def _told(smtp) -> list[str]:
    """Every address the SMTP server was given a message for (one entry per message)."""
    return [rcpt for rcpts, _raw in smtp.recorder.messages for rcpt in rcpts]


def _guardian(household):
    return household.guardians.order_by("pk").first()


def _sign_in(client, guardian):
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()


def _school_liaison(world, username):
    user = f.UserFactory(username=username)
    f.MembershipFactory(user=user, district=world.district, site=world.school)
    return user


def test_a_bullying_concern_from_the_portal_goes_to_the_familys_liaison_high_and_due_next_school_day(
    world,
):
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        concern = family.raise_concern(
            guardian=_guardian(world.caseload_family),
            category="bullying_safety",
            description=WORDS,
            contact_preference="",
        )
    concern.refresh_from_db()
    assert concern.assignee == world.liaison
    assert concern.status == Status.ASSIGNED
    assert concern.urgency == Urgency.HIGH
    # Friday's concern is due at the end of Monday, not on Saturday.
    assert concern.due_at == MONDAY_END_OF_DAY
    assert concern.changes.filter(action="assigned", by__isnull=True).exists()


def test_one_school_day_skips_the_weekend():
    saturday = dt.datetime(2026, 12, 12, 9, 0, tzinfo=NEW_YORK)
    thursday = dt.datetime(2026, 12, 10, 16, 0, tzinfo=NEW_YORK)
    assert services.school_days_after(saturday, 1, NEW_YORK) == MONDAY_END_OF_DAY
    assert services.school_days_after(FRIDAY_MORNING, 1, NEW_YORK) == MONDAY_END_OF_DAY
    assert services.school_days_after(FRIDAY_MORNING, 2, NEW_YORK).date() == dt.date(2026, 12, 15)
    assert services.school_days_after(thursday, 1, NEW_YORK).date() == dt.date(2026, 12, 11)


def test_the_portal_form_routes_the_concern_and_the_liaison_and_leader_are_told_once(
    client, world, smtp, django_capture_on_commit_callbacks
):
    _sign_in(client, _guardian(world.caseload_family))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:concern_new"),
            {"category": "bullying_safety", "description": WORDS, "reach": "call"},
        )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert (concern.assignee, concern.urgency) == (world.liaison, Urgency.HIGH)
    assert sorted(_told(smtp)) == sorted([world.liaison.email, world.leader.email])
    raw = b"".join(raw for _rcpts, raw in smtp.recorder.messages).decode("utf-8", "replace")
    assert "High concern: Caseload household" in raw
    assert f"/concerns/{concern.pk}/" in raw
    # The due time stands on its own line: "10:00 a.m." is not followed by another full stop.
    body = email.message_from_bytes(smtp.recorder.messages[0][1]).get_payload(decode=True)
    text = body.decode() if isinstance(body, bytes) else str(body)
    assert re.search(r"^Due: .+\d.*$", text, flags=re.M), text
    assert ".." not in text

    # Later saves tell nobody again, nor does asking again.
    with django_capture_on_commit_callbacks(execute=True):
        services.update_concern(concern=concern, by=world.liaison, urgency=Urgency.URGENT)
        services.change_status(concern=concern, status="in_progress", by=world.liaison)
        services.tell_pressing_concern(concern=concern)
    assert len(_told(smtp)) == 2
    assert StaffDelivery.objects.filter(key__startswith="concern-pressing-").count() == 2


def test_a_family_off_any_caseload_goes_to_the_least_loaded_liaison_of_their_school(world):
    busy = world.liaison
    cf.concern(world.caseload_family, assignee=busy)
    free = _school_liaison(world, "free-liaison")
    concern = family.raise_concern(
        guardian=_guardian(world.site_family),
        category="transport",
        description="El autobús no pasa.",
        contact_preference="",
    )
    concern.refresh_from_db()
    assert concern.assignee == free


def test_a_family_whose_school_has_no_liaison_waits_for_the_team_unassigned(client, world):
    concern = family.raise_concern(
        guardian=_guardian(world.other_site_family),
        category="bullying_safety",
        description=WORDS,
        contact_preference="",
    )
    concern.refresh_from_db()
    assert concern.assignee is None and concern.urgency == Urgency.HIGH
    client.force_login(world.admin)
    page = client.get(reverse("concerns:queue"), {"queue": "unassigned"}).content.decode()
    assert f"#{concern.pk} " in page


def test_other_categories_take_the_tables_urgency_and_the_service_target(world):
    before = services.due_at_for(world.district, Urgency.NORMAL)
    concern = family.raise_concern(
        guardian=_guardian(world.caseload_family),
        category="transport",
        description="El autobús no pasa.",
        contact_preference="",
    )
    assert concern.urgency == Urgency.NORMAL
    assert before <= concern.due_at <= services.due_at_for(world.district, Urgency.NORMAL)


def _triage_data(categories, **changes):
    data = {
        "action": "triage",
        "triage-TOTAL_FORMS": str(len(categories)),
        "triage-INITIAL_FORMS": str(len(categories)),
        "triage-MIN_NUM_FORMS": "0",
        "triage-MAX_NUM_FORMS": "1000",
    }
    for i, category in enumerate(categories):
        urgency, days = changes.get(category.code, (category.urgency, category.due_school_days))
        data[f"triage-{i}-id"] = str(category.pk)
        data[f"triage-{i}-urgency"] = urgency
        data[f"triage-{i}-due_school_days"] = "" if days is None else str(days)
    return data


def test_the_district_admin_adjusts_the_table_and_a_family_concern_follows_it(client, world):
    categories = list(ConcernCategory.objects.filter(district=world.district))
    url = reverse("concerns:settings")
    client.force_login(world.admin)
    page = client.get(url).content.decode()
    assert "Urgency by category" in page and "Due in (school days)" in page

    # A hostile value is refused, named, and nothing is saved.
    bad = _triage_data(categories, transport=("urgent", "-3"), health=("never", ""))
    response = client.post(url, bad)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in text
    assert "Select a valid choice. never is not one of the available choices." in text
    assert (
        ConcernCategory.objects.get(district=world.district, code="transport").urgency == "normal"
    )

    response = client.post(url, _triage_data(categories, transport=("urgent", "2")))
    assert response.status_code == 302
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        concern = family.raise_concern(
            guardian=_guardian(world.caseload_family),
            category="transport",
            description="El autobús no pasa.",
            contact_preference="",
        )
    assert concern.urgency == Urgency.URGENT
    assert concern.due_at == dt.datetime(2026, 12, 15, 17, 0, tzinfo=NEW_YORK)


def test_only_the_district_admin_sets_the_table(client, world):
    categories = list(ConcernCategory.objects.filter(district=world.district))
    for user in (world.leader, world.liaison):
        client.force_login(user)
        data = _triage_data(categories, transport=("urgent", "1"))
        assert client.post(reverse("concerns:settings"), data).status_code == 404
    assert (
        ConcernCategory.objects.get(district=world.district, code="transport").urgency == "normal"
    )


def test_a_concern_staff_record_keeps_the_urgency_they_chose_and_stays_with_them(client, world):
    client.force_login(world.liaison)
    category = ConcernCategory.objects.get(district=world.district, code="bullying_safety")
    response = client.post(
        reverse("concerns:new", args=[world.caseload_family.pk]),
        {
            "category": category.pk,
            "source": "phone",
            "urgency": "low",
            "description": WORDS,
            "language": "es",
        },
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    # Not "assign to me", and recorded by staff: nobody is chosen for them.
    assert concern.urgency == Urgency.LOW and concern.assignee is None


def test_a_family_message_made_a_concern_takes_the_table_and_goes_to_their_liaison(client, world):
    from liaison.messaging import services as messaging

    guardian = _guardian(world.caseload_family)
    message = messaging.record_family_reply(guardian=guardian, body=WORDS, channel="sms")
    category = ConcernCategory.objects.get(district=world.district, code="bullying_safety")
    client.force_login(world.leader)
    response = client.post(
        reverse("concerns:from_message", args=[message.pk]),
        {"category": category.pk, "urgency": ""},
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.urgency == Urgency.HIGH and concern.assignee == world.liaison


def test_urgency_is_shown_in_words_beside_its_colour_wherever_concerns_are_listed(client, world):
    thursday = dt.datetime(2026, 12, 10, 10, 0, tzinfo=NEW_YORK)
    with time_machine.travel(thursday, tick=False):
        concern = family.raise_concern(
            guardian=_guardian(world.caseload_family),
            category="bullying_safety",
            description=WORDS,
            contact_preference="",
        )
        client.force_login(world.liaison)
        pages = [
            client.get(reverse("concerns:queue")).content.decode(),
            client.get(reverse("concerns:household", args=[world.caseload_family.pk])).content,
            client.get(reverse("people:household", args=[world.caseload_family.pk])).content,
            client.get(concern.get_absolute_url()).content,
        ]
    for page in pages:
        page = page if isinstance(page, str) else page.decode()
        assert '<span class="badge urgency urgency-high">High — due tomorrow</span>' in page
    with time_machine.travel(thursday + dt.timedelta(days=2), tick=False):
        client.force_login(world.liaison)  # the session of two days ago has expired
        page = client.get(reverse("concerns:queue")).content.decode()
    assert "urgency-high urgency-overdue" in page and "High — overdue" in page


def test_closing_asks_for_the_outcome_or_the_reason_there_is_none(client, world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    client.force_login(world.liaison)
    url = reverse("concerns:status", args=[concern.pk])
    response = client.post(url, {"status": "closed", "outcome": "  "})
    assert response.status_code == 400
    assert "Say what came of the concern in “Outcome”" in response.content.decode()
    assert Concern.objects.get(pk=concern.pk).status == Status.ASSIGNED

    response = client.post(url, {"status": "closed", "closed_reason": "no_response"})
    assert response.status_code == 302
    closed = Concern.objects.get(pk=concern.pk)
    assert closed.status == Status.CLOSED and closed.closed_reason == "no_response"
    page = client.get(concern.get_absolute_url()).content.decode()
    assert "The family stopped responding" in page


def test_closing_with_an_outcome_needs_no_reason(world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    with pytest.raises(Exception) as refused:
        services.change_status(concern=concern, status="closed", by=world.liaison)
    assert "outcome" in refused.value.message_dict
    closed = services.change_status(
        concern=concern, status="closed", by=world.liaison, outcome="Moved to another class"
    )
    assert closed.status == Status.CLOSED and closed.outcome == "Moved to another class"
