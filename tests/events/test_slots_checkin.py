"""Conference slots without double booking; check-in by QR token, name and walk-in."""

import datetime as dt
import io
import zoneinfo

import pytest
import segno
from django.urls import reverse

from liaison.events import services
from liaison.events.choices import Answer, EventKind
from tests.events.factories import EventFactory

NY = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def conference(world):
    start = dt.datetime(2027, 4, 8, 15, 0, tzinfo=NY)
    event = EventFactory(
        district=world.district,
        site=world.school,
        kind=EventKind.CONFERENCE,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )
    slots = services.publish_slots(
        event=event,
        teacher=world.teacher,
        first=start,
        last=start + dt.timedelta(hours=1),
        minutes=20,
    )
    return event, slots


def test_a_slot_cannot_be_booked_twice(world, conference):
    _event, slots = conference
    services.book_slot(slot=slots[0], household=world.taught_family)
    with pytest.raises(services.SlotTaken):
        services.book_slot(slot=slots[0], household=world.site_family)


def test_a_family_cannot_hold_two_slots_with_one_teacher_but_can_reschedule(world, conference):
    _event, slots = conference
    services.book_slot(slot=slots[0], household=world.taught_family)
    with pytest.raises(services.SlotTaken):
        services.book_slot(slot=slots[1], household=world.taught_family)
    slots[0].refresh_from_db()
    moved = services.reschedule_slot(old=slots[0], new=slots[2])
    assert moved.household == world.taught_family
    slots[0].refresh_from_db()
    assert slots[0].household is None


def test_teacher_prints_their_slot_list(client, world, conference):
    event, slots = conference
    services.book_slot(slot=slots[1], household=world.taught_family)
    client.force_login(world.teacher)
    html = client.get(reverse("events:slots_print", args=[event.pk, world.teacher.pk])).content
    html = html.decode()
    assert "3:20\u202fPM" in html and world.taught_family.name in html and "Arabic" in html


def test_publishing_again_skips_times_the_teacher_already_has(world, conference):
    event, slots = conference
    again = services.publish_slots(
        event=event,
        teacher=world.teacher,
        first=slots[0].starts_at,
        last=slots[-1].ends_at,
        minutes=20,
    )
    assert again == []


def test_qr_image_encodes_the_check_in_token(client, world):
    event = EventFactory(district=world.district, site=world.school)
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    response = client.get(reverse("events:qr", args=[inv.token]))
    assert response["Content-Type"] == "image/svg+xml"
    payload = f"LIAISON-CHECKIN:{inv.token}"
    # No QR decoder is installed: the served image is exactly the code of that payload.
    expected = io.BytesIO()
    segno.make(payload, error="m").save(expected, kind="svg", scale=6, border=2, xmldecl=False)
    assert response.content == expected.getvalue()
    # A standalone SVG image renders only with its namespace.
    assert response.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def test_kiosk_checks_in_by_token_once_and_by_name(client, world):
    event = EventFactory(district=world.district, site=world.school)
    a, b = services.invite_households(
        event=event, households=[world.caseload_family, world.site_family], send=False
    )
    services.respond(invitation=a, answer=Answer.YES, party_size=3)
    client.force_login(world.liaison)
    url = reverse("events:kiosk_check_in", args=[event.pk])
    html = client.post(url, {"token": services.qr_payload(a)}, headers={"HX-Request": "true"})
    assert "Checked in: 3" in html.content.decode()
    again = client.post(url, {"token": a.token}, headers={"HX-Request": "true"}).content.decode()
    assert "already checked in" in again
    found = client.get(reverse("events:kiosk_search", args=[event.pk]), {"q": "Sitefam"})
    assert "Sitefamily household" in found.content.decode()
    client.post(url, {"invitation": b.pk}, headers={"HX-Request": "true"})
    assert services.live_counts(event)["checked_in"] == 4
    bad = client.post(url, {"token": "nope"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422


def test_walk_in_and_attendance_reach_timeline_and_record_export(client, world):
    from liaison.core import family_record, pages

    event = EventFactory(district=world.district, site=world.school, title="Literacy night")
    services.add_walk_in(event=event, name="Neighbour Family", party_size=2)
    services.add_walk_in(event=event, household=world.caseload_family)
    entries = pages.timeline("household", world.caseload_family, world.liaison, kinds=["event"])
    assert entries[0].title == "Came to Literacy night"
    section = next(s for s in family_record.sections() if s.name == "events")
    assert section.export(world.caseload_family)[0]["checked_in_count"] == 1
    assert services.live_counts(event)["checked_in"] == 3


def test_a_walk_in_matched_to_a_family_counts_on_its_timeline(client, world):
    from liaison.core import pages

    event = EventFactory(district=world.district, site=world.school, title="Math night")
    walk_in = services.add_walk_in(event=event, name="Ana at the door", party_size=3)
    client.force_login(world.liaison)
    url = reverse("events:walk_in_match", args=[event.pk, walk_in.pk])
    page = client.get(url, {"q": world.caseload_family.name})
    assert f'value="{world.caseload_family.pk}"' in page.content.decode()
    response = client.post(url, {"household": world.caseload_family.pk})
    assert response.status_code == 302
    walk_in.refresh_from_db()
    assert walk_in.household == world.caseload_family
    assert walk_in.walk_in_name == "Ana at the door"
    entries = pages.timeline("household", world.caseload_family, world.liaison, kinds=["event"])
    assert entries[0].title == "Came to Math night"
    # Matched once: the link to match it again is gone.
    assert client.get(url).status_code == 404


def test_a_walk_in_from_an_invited_family_checks_in_its_invitation(world):
    event = EventFactory(district=world.district, site=world.school)
    invited = services.invite_households(
        event=event, households=[world.caseload_family], send=False
    )[0]
    walk_in = services.add_walk_in(event=event, name="Came without the QR", party_size=2)
    kept = services.match_walk_in(walk_in=walk_in, household=world.caseload_family)
    assert kept.pk == invited.pk
    assert kept.checked_in_at is not None and kept.checked_in_count == 2
    assert not event.invitations.filter(pk=walk_in.pk).exists()
    assert services.live_counts(event)["checked_in"] == 2


def test_a_walk_in_cannot_be_matched_to_a_family_of_another_site(client, world):
    event = EventFactory(district=world.district, site=world.school)
    walk_in = services.add_walk_in(event=event, name="Visitor")
    client.force_login(world.liaison)
    url = reverse("events:walk_in_match", args=[event.pk, walk_in.pk])
    assert client.post(url, {"household": world.other_site_family.pk}).status_code == 404
    assert client.post(url, {"household": "x"}).status_code == 404
    walk_in.refresh_from_db()
    assert walk_in.household is None
