"""RSVPs from a text-message keyword, a signed link with no sign-in, and the staff page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.events import services
from liaison.events.choices import Answer, Seat
from tests.events.factories import EventFactory


@pytest.fixture
def invited(world):
    event = EventFactory(
        district=world.district, site=world.school, capacity=30, interpretation=["es", "so"]
    )
    [invitation] = services.invite_households(
        event=event, households=[world.caseload_family], send=False
    )
    return invitation


def test_spanish_sms_keyword_is_recorded_against_the_right_event(world, invited):
    guardian = world.caseload_family.guardians.get()
    # A later invitation to another event: the code picks the right one.
    later = EventFactory(district=world.district, site=world.school)
    services.invite_households(event=later, households=[world.caseload_family], send=False)
    assert services.handle_sms_reply(guardian, f"Sí {invited.event.code.lower()} 3")
    invited.refresh_from_db()
    assert (invited.answer, invited.seat, invited.party_size) == (Answer.YES, Seat.CONFIRMED, 3)
    assert invited.channel == "sms"
    assert later.invitations.get().answer == Answer.NONE


def test_spanish_maybe_without_a_code_answers_the_latest_open_invitation(world, invited):
    guardian = world.caseload_family.guardians.get()
    assert services.handle_sms_reply(guardian, "quizás")
    invited.refresh_from_db()
    assert invited.answer == Answer.MAYBE


def test_a_real_message_is_left_for_a_person(world, invited):
    guardian = world.caseload_family.guardians.get()
    assert not services.handle_sms_reply(guardian, "No puedo ir, mi hijo está enfermo")
    invited.refresh_from_db()
    assert invited.answer == Answer.NONE


def test_signed_link_records_needs_without_sign_in_then_refuses_reuse(client, world, invited):
    url = reverse("events:rsvp_link", args=[services.rsvp_token(invited)])
    page = client.get(url)
    assert page.status_code == 200 and invited.event.title in page.content.decode()
    response = client.post(
        url,
        {
            "answer": "yes",
            "party_size": 2,
            "interpreter_language": "so",
            "childcare_ages": "3, 5",
            "needs_transport": "on",
        },
    )
    assert response.status_code == 200
    assert "confirmed" in response.content.decode()
    invited.refresh_from_db()
    assert invited.childcare_ages == [3, 5] and invited.needs_transport
    counts = services.live_counts(invited.event)
    assert counts["interpreter_lines"][0]["people"] == 2
    # The same link again: refused.
    assert client.post(url, {"answer": "no", "party_size": 1}).status_code == 410
    invited.refresh_from_db()
    assert invited.answer == Answer.YES


def test_tampered_and_expired_links_are_refused(client, invited, settings):
    token = services.rsvp_token(invited)
    assert client.get(reverse("events:rsvp_link", args=[token[:-3] + "abc"])).status_code == 410
    # A link older than its lifetime (here: any link) is refused and says why.
    settings.EVENTS_RSVP_LINK_MAX_AGE = -1
    response = client.get(reverse("events:rsvp_link", args=[token]))
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_bad_childcare_ages_are_explained_on_the_field(client, invited):
    url = reverse("events:rsvp_link", args=[services.rsvp_token(invited)])
    response = client.post(url, {"answer": "yes", "party_size": 1, "childcare_ages": "three"})
    assert "between 0 and 17" in response.content.decode()
    assert 'value="three"' in response.content.decode()


def test_liaison_sees_live_needs_on_the_event_page(client, world, invited):
    services.respond(invitation=invited, answer=Answer.YES, party_size=6, interpreter_language="so")
    client.force_login(world.liaison)
    html = client.get(reverse("events:counts", args=[invited.event.pk])).content.decode()
    assert "6 need a Somali interpreter" in html


def test_staff_records_an_answer_for_a_caseload_family(client, world, invited):
    client.force_login(world.liaison)
    response = client.post(
        reverse("events:invitation_rsvp", args=[invited.pk]), {"answer": "no", "party_size": 1}
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.answer == Answer.NO and invited.channel == "staff"


def test_cancelled_event_refuses_answers(world, invited):
    from django.core.exceptions import ValidationError

    services.cancel_event(event=invited.event)
    with pytest.raises(ValidationError):
        services.respond(invitation=invited, answer=Answer.YES)
    assert timezone.now() < invited.event.starts_at + dt.timedelta(days=1)


def test_spanish_reply_through_the_sms_inbound_path_answers_the_event(world, invited):
    from liaison.messaging.inbound import handle_inbound_sms

    guardian = world.caseload_family.guardians.get()
    result = handle_inbound_sms(
        sender=guardian.phone, body=f"SI {invited.event.code} 2", provider_id="SM-test-1"
    )
    assert result["outcome"] != "duplicate"
    invited.refresh_from_db()
    assert (invited.answer, invited.party_size, invited.channel) == (Answer.YES, 2, "sms")


def test_a_plain_no_by_sms_declines_without_opting_the_family_out(world, invited):
    from liaison.messaging.inbound import handle_inbound_sms
    from liaison.messaging.services import is_opted_out

    guardian = world.caseload_family.guardians.get()
    services.respond(invitation=invited, answer=Answer.YES)
    handle_inbound_sms(sender=guardian.phone, body="No", provider_id="SM-test-2")
    invited.refresh_from_db()
    assert invited.answer == Answer.NO and invited.seat == Seat.NONE
    assert not is_opted_out(channel="sms", address=guardian.phone)
    assert list(services.open_invitations(world.caseload_family)) == [invited]
