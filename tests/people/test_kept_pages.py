"""The household page, the caseload and search are kept for their reader (core/kept.py) between
visits, and a change shows at once: what the reader wrote, what a colleague or the family wrote,
a change of caseload. The door and the access log still answer every visit."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liaison.audit.models import AccessLog
from liaison.concerns import services as concerns
from liaison.core import kept
from liaison.messaging import services as messaging
from liaison.people import services
from tests import factories as f


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_what_the_liaison_logs_shows_on_the_household_page_at_once(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.caseload_family.pk])
    assert "Asked about the bus" not in _page(client, url)
    assert "Asked about the bus" not in _page(client, url)  # the kept page
    concerns.log_contact(
        household=world.caseload_family,
        by=world.liaison,
        kind="call",
        purpose="Asked about the bus",
    )
    assert "Asked about the bus" in _page(client, url)


def test_a_family_reply_and_a_colleagues_edit_show_on_the_kept_household_page(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.caseload_family.pk])
    _page(client, url)
    guardian = world.caseload_family.guardians.first()
    messaging.record_family_reply(guardian=guardian, body="Llego tarde hoy", channel="portal")
    assert "Llego tarde hoy" in _page(client, url)
    # An administrator of the district adds a guardian: the liaison's page has them.
    other = Client()
    other.force_login(world.admin)
    f.GuardianFactory(household=world.caseload_family, given_name="Ximena", family_name="Ortiz")
    assert "Ximena Ortiz" in _page(client, url)


def test_every_visit_of_a_kept_household_page_is_logged(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.caseload_family.pk])
    before = AccessLog.objects.filter(user=world.liaison, household_id=world.caseload_family.pk)
    seen = before.count()
    for _ in range(3):
        _page(client, url)
    assert before.count() == seen + 3


def test_a_change_of_caseload_shows_on_the_kept_caseload_and_household_page(client, world):
    client.force_login(world.liaison)
    caseload = reverse("people:caseload")
    assert "Caseload household" in _page(client, caseload)
    assert "Sitefamily household" not in _page(client, caseload)
    # Given a family: on the list at once.
    services.assign_household(household=world.site_family, staff=world.liaison, by=world.admin)
    assert "Sitefamily household" in _page(client, caseload)
    household = reverse("people:household", args=[world.caseload_family.pk])
    assert "CaseloadParent" in _page(client, household)
    assert world.leader.get_full_name() not in _page(client, household)
    # Its family handed to the leader: gone from the list; its kept page names its new liaison.
    services.assign_household(household=world.caseload_family, staff=world.leader, by=world.admin)
    assert "Caseload household" not in _page(client, caseload)
    assert world.leader.get_full_name() in _page(client, household)


def test_each_browser_gets_its_own_csrf_token_in_a_kept_page(world):
    url = reverse("people:household", args=[world.caseload_family.pk])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(world.liaison)
    _page(first, url)
    html = _page(second, url)  # kept: drawn for the first browser
    assert kept.CSRF_MARKER not in html
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    # The contact form of the kept page posts from the second browser.
    guardian = world.caseload_family.guardians.first()
    response = second.post(
        reverse("concerns:contacts", args=[world.caseload_family.pk]),
        {
            "csrfmiddlewaretoken": token,
            "contact-kind": "call",
            "contact-purpose": "Second browser call",
            "contact-guardian": guardian.pk,
            "contact-at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "next": "household",
        },
    )
    assert response.status_code != 403


def test_a_search_kept_for_the_liaison_finds_a_family_added_since(client, world):
    client.force_login(world.liaison)
    url = reverse("people:search") + "?q=Zephyrine"
    assert "No household matches" in _page(client, url)
    household = f.HouseholdFactory(district=world.district, name="Quill household")
    f.GuardianFactory(household=household, given_name="Zephyrine", family_name="Quill")
    services.assign_household(household=household, staff=world.liaison, by=world.admin)
    html = _page(client, url)
    assert "Quill household" in html
    # htmx asks for the results alone, from the same kept part.
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Quill household" in partial and "<html" not in partial
