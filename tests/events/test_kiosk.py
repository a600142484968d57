"""Kiosk mode: a staff session handed to families at the door, locked to one event, in the
event's languages, showing no more of a family than a household name and initials."""

import re

import pytest
from django.urls import reverse

from liaison.events import services
from liaison.portal.shared_strings import KIOSK
from tests.events.factories import EventFactory
from tests.factories import GuardianFactory

LANGUAGES = ["es", "ar", "zh-hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]


@pytest.fixture
def event(world):
    return EventFactory(district=world.district, site=world.school, title="Family science night")


def start_kiosk(client, user, event):
    client.force_login(user)
    response = client.post(reverse("events:kiosk_start", args=[event.pk]))
    assert response["Location"] == reverse("events:kiosk", args=[event.pk])


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_opening_the_kiosk_asks_the_staff_member_to_start_it(client, world, event):
    client.force_login(world.liaison)
    page = client.get(reverse("events:kiosk", args=[event.pk])).content.decode()
    assert "Start the kiosk" in page
    # Until it is started, the staff member's workspace is theirs.
    assert client.get(reverse("events:list")).status_code == 200


def test_in_kiosk_mode_every_other_page_leads_back_to_the_kiosk(client, world, event):
    other = EventFactory(district=world.district, site=world.school, title="Other night")
    start_kiosk(client, world.liaison, event)
    kiosk_url = reverse("events:kiosk", args=[event.pk])
    for url in [
        reverse("home"),
        reverse("events:list"),
        reverse("events:event", args=[event.pk]),
        reverse("events:kiosk", args=[other.pk]),
        reverse("people:household", args=[world.caseload_family.pk]),
    ]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, kiosk_url), url
    # Signing out from the kiosk is not possible either: the staff session stays.
    assert client.post(reverse("logout"))["Location"] == kiosk_url
    assert client.get(kiosk_url).status_code == 200


def test_the_kiosk_shows_no_staff_menu_name_or_sign_out(client, world, event):
    start_kiosk(client, world.liaison, event)
    page = client.get(reverse("events:kiosk", args=[event.pk])).content.decode()
    assert "Welcome to Family science night" in page
    assert world.liaison.get_full_name() not in page
    assert world.liaison.last_name not in page
    assert "Sign out" not in page and reverse("logout") not in page
    assert 'class="mainnav"' not in page
    assert reverse("events:event", args=[event.pk]) + '"' not in page


def test_leaving_the_kiosk_needs_the_staff_members_password(client, world, event):
    start_kiosk(client, world.liaison, event)
    leave = reverse("events:kiosk_leave", args=[event.pk])
    wrong = client.post(leave, {"password": "guess"})
    assert wrong.status_code == 422
    assert "That is not the password." in wrong.content.decode()
    assert client.get(reverse("events:list")).status_code == 302
    right = client.post(leave, {"password": "correct-horse-battery"})
    assert right["Location"] == reverse("events:event", args=[event.pk])
    assert client.get(reverse("events:list")).status_code == 200


def test_guessing_the_password_to_leave_is_stopped_after_a_few_tries(client, world, event):
    start_kiosk(client, world.liaison, event)
    leave = reverse("events:kiosk_leave", args=[event.pk])
    for _ in range(5):
        client.post(leave, {"password": "guess"})
    refused = client.post(leave, {"password": "correct-horse-battery"})
    assert refused.status_code == 422
    assert "Too many tries" in refused.content.decode()
    assert client.get(reverse("events:list")).status_code == 302


def test_the_name_search_shows_household_names_and_initials_only(client, world, event):
    GuardianFactory(household=world.caseload_family, given_name="Julia", family_name="Caseload")
    services.invite_households(
        event=event, households=[world.caseload_family, world.site_family], send=False
    )
    services.add_walk_in(event=event, name="Casimir at the door")
    start_kiosk(client, world.liaison, event)
    search = reverse("events:kiosk_search", args=[event.pk])
    # Too few letters to list anyone: the kiosk cannot be used to read the guest list.
    short = client.get(search, {"q": "Ca"}, headers={"HX-Request": "true"}).content.decode()
    assert "household" not in short
    found = client.get(search, {"q": "cas"}, headers={"HX-Request": "true"}).content.decode()
    assert "Caseload household — C., J." in found
    assert "CaseloadParent" not in found and "Julia" not in found
    assert "Casimir" not in found  # walk-ins are not listed
    assert "Sitefamily" not in found
    by_guardian = client.get(search, {"q": "Jul"}, headers={"HX-Request": "true"}).content.decode()
    assert "Caseload household — C., J." in by_guardian


def test_the_family_chooses_among_the_events_languages(client, world, event):
    world.liaison.interface_language = "en"
    world.liaison.save()
    event.language = "en"
    event.interpretation = ["es", "so", "xx-unknown"]
    event.save()
    start_kiosk(client, world.liaison, event)
    kiosk_url = reverse("events:kiosk", args=[event.pk])
    page = client.get(kiosk_url).content.decode()
    for name in ["English", "español", "Soomaali"]:
        assert f">{name}</button>" in page
    assert "Русский" not in page
    client.post(reverse("events:kiosk_language", args=[event.pk]), {"language": "so"})
    page = client.get(kiosk_url).content.decode()
    assert '<html lang="so"' in page
    assert "Ku soo dhowow Family science night" in page
    # A language the event does not offer is not taken.
    client.post(reverse("events:kiosk_language", args=[event.pk]), {"language": "ru"})
    assert '<html lang="so"' in client.get(kiosk_url).content.decode()
    # The screen clearing itself returns to the event's first language for the next family.
    client.get(kiosk_url + "?fresh=1")
    assert '<html lang="en"' in client.get(kiosk_url).content.decode()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_kiosk_reads_whole_in_each_family_language(client, world, event, lang):
    event.language = lang
    event.save()
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    start_kiosk(client, world.liaison, event)
    kiosk_url = reverse("events:kiosk", args=[event.pk])
    pages = [
        client.get(kiosk_url).content.decode(),
        client.post(
            reverse("events:kiosk_check_in", args=[event.pk]), {"token": inv.token}
        ).content.decode(),
        client.post(
            reverse("events:kiosk_check_in", args=[event.pk]), {"token": "nope"}
        ).content.decode(),
        client.get(reverse("events:kiosk_search", args=[event.pk]), {"q": "Zzzz"}).content.decode(),
        client.get(reverse("events:kiosk_leave", args=[event.pk])).content.decode(),
    ]
    english = [m for m in KIOSK if "%" not in m and len(m) > 3]
    for page in pages:
        assert f'<html lang="{lang}"' in page
        text = visible_text(page)
        left = [m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
        assert left == []


def test_a_kiosk_whose_event_its_staff_member_no_longer_runs_lets_the_session_go(
    client, world, event
):
    start_kiosk(client, world.liaison, event)
    world.liaison.memberships.update(is_active=False)
    assert client.get(reverse("events:kiosk", args=[event.pk])).status_code == 404
    # Not stuck on a kiosk that answers nothing: other pages answer as they would.
    assert client.get(reverse("events:list")).status_code != 302


def test_a_check_in_without_javascript_shows_the_welcome_and_no_search_results(
    client, world, event
):
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    start_kiosk(client, world.liaison, event)
    page = client.post(
        reverse("events:kiosk_check_in", args=[event.pk]), {"invitation": inv.pk}
    ).content.decode()
    assert "Welcome, Caseload household! Checked in: 1." in page
    assert page.count('id="kiosk-found"') == 1
