"""A guardian under a contact restriction is visibly marked on every page that shows them."""

import pytest
from django.urls import reverse


@pytest.fixture
def restricted(world):
    guardian = world.caseload_family.guardians.first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order 2026-117 (synthetic)"
    guardian.save()
    return guardian


def test_restricted_guardian_is_marked_everywhere(client, world, restricted):
    client.force_login(world.liaison)
    student = world.caseload_family.students.first()
    pages = [
        reverse("people:caseload"),
        reverse("people:search") + "?q=Caseload",
        reverse("people:household", args=[world.caseload_family.pk]),
        reverse("people:guardian", args=[restricted.pk]),
        reverse("people:student", args=[student.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Contact restricted" in html, url


def test_restricted_guardians_phone_and_email_are_not_shown(client, world, restricted):
    client.force_login(world.liaison)
    assert restricted.phone and restricted.email
    student = world.caseload_family.students.first()
    pages = [
        reverse("people:household", args=[world.caseload_family.pk]),
        reverse("people:guardian", args=[restricted.pk]),
        reverse("people:student", args=[student.pk]),
        reverse("people:caseload"),
        reverse("people:search") + "?q=Caseload",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Contact restricted" in html, url  # the page does show the guardian
        assert restricted.email not in html, url
        # The number in any form a page might print it: E.164, digits, or (617) 555-0123.
        digits = restricted.phone.removeprefix("+1")
        for shown in (restricted.phone, digits, f"{digits[3:6]}-{digits[6:]}"):
            assert shown not in html, (url, shown)


def test_teacher_sees_the_mark_but_not_the_court_order(client, world):
    guardian = world.taught_family.guardians.first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order 2026-118 (synthetic)"
    guardian.save()
    client.force_login(world.teacher)
    html = client.get(reverse("people:household", args=[world.taught_family.pk])).content.decode()
    assert "must not be contacted" in html
    assert "2026-118" not in html
