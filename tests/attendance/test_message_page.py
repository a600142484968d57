"""The school's attendance message page (Tier 1): a district admin previews it for the district or
one school, a site leader for their school, in English and in a family language by name, sees how
many families it will reach, confirms, and is told when it already went this school year."""

import datetime as dt

import pytest
from django.urls import reverse

from liaison.attendance.universal import send_attendance_message
from liaison.messaging.models import Delivery, Message
from tests import factories as f

URL = reverse("attendance:message")


@pytest.fixture
def admin(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def leader(client, world):
    client.force_login(world.leader)
    return client


def _page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_sees_the_message_in_english_and_spanish_and_every_family_it_reaches(admin):
    page = _page(admin)
    assert "Every day at school counts" in page
    assert "Cada día en la escuela cuenta" in page
    assert "In Spanish" in page
    # Five families in the district have a child enrolled; the other district's is not counted.
    assert "It will reach 5 families." in page
    assert "Families of Testville Schools" in page


def test_the_admin_chooses_a_school_and_a_language_by_name(admin, world):
    page = _page(admin, school=world.other_school.pk, language="vi")
    assert "In Vietnamese" in page
    assert "Mỗi ngày đến trường đều quan trọng" in page
    assert "Families of Birch Middle" in page
    assert "It will reach 2 families." in page
    assert ">Vietnamese — Tiếng Việt<" in page  # languages offered by name, never a code


def test_a_leader_sees_their_own_school_only(leader, world):
    page = _page(leader)
    assert "Families of Alder Elementary" in page
    assert "It will reach 3 families." in page
    assert "Every school of the district" not in page
    assert "Birch Middle" not in page


def test_a_leader_asking_for_another_school_gets_an_error_and_their_own(leader, world):
    page = _page(leader, school=world.other_school.pk)
    assert "Select a valid choice." in page
    assert "Families of Alder Elementary" in page


def test_sending_needs_a_confirmation_and_loses_nothing_chosen(admin, world):
    response = admin.post(URL, {"school": world.school.pk, "language": "ar"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tick the box to confirm" in page
    assert "In Arabic" in page and "Families of Alder Elementary" in page
    assert not Message.objects.filter(notice_kind="attendance_universal").exists()


def test_a_confirmed_send_reaches_the_schools_families_once(admin, world):
    response = admin.post(URL, {"school": world.school.pk, "language": "es", "confirm": "on"})
    assert response.status_code == 302
    message = Message.objects.get(notice_kind="attendance_universal")
    households = {d.guardian.household_id for d in Delivery.objects.filter(message=message)}
    assert households == {
        world.caseload_family.pk,
        world.site_family.pk,
        world.taught_family.pk,
    }
    page = _page(admin, school=world.school.pk)
    assert "Already sent this school year" in page
    assert "Send the attendance message" not in page
    admin.post(URL, {"school": world.school.pk, "language": "es", "confirm": "on"})
    assert Message.objects.filter(notice_kind="attendance_universal").count() == 1


def test_the_district_message_leaves_out_families_whose_school_already_had_it(admin, world):
    send_attendance_message(district=world.district, site=world.school, by=world.leader)
    assert "It will reach 2 families." in _page(admin)
    admin.post(URL, {"school": "", "language": "es", "confirm": "on"})
    district_wide = Message.objects.filter(notice_kind="attendance_universal").latest("pk")
    households = {d.guardian.household_id for d in Delivery.objects.filter(message=district_wide)}
    assert households == {world.other_site_family.pk, world.interpreted_family.pk}


def test_a_school_whose_district_already_sent_it_shows_it_as_sent(leader, world):
    send_attendance_message(district=world.district, by=world.admin)
    assert "Already sent this school year" in _page(leader)


def test_a_restricted_guardian_is_not_sent_the_message(admin, world):
    restricted = f.GuardianFactory(
        household=world.site_family,
        contact_restricted=True,
        contact_restriction_reason="Court order",
        phone="+18575550177",
    )
    admin.post(URL, {"school": world.school.pk, "language": "es", "confirm": "on"})
    assert not Delivery.objects.filter(guardian=restricted).exists()


def test_next_school_year_it_can_be_sent_again(world):
    first = send_attendance_message(district=world.district, today=dt.date(2026, 9, 1))
    again = send_attendance_message(district=world.district, today=dt.date(2027, 9, 1))
    assert again.pk != first.pk
