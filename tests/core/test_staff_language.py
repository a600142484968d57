"""Staff pages speak the signed-in person's interface language; without one, the browser's."""

import pytest

pytestmark = pytest.mark.django_db

SPANISH = "Acceso lingüístico"
ENGLISH = "Language access"


def _page(client, user, accept):
    client.force_login(user)
    response = client.get("/language/", headers={"accept-language": accept})
    return response, response.content.decode()


def test_a_staff_member_reading_spanish_gets_spanish_whatever_the_browser_says(client, world):
    world.liaison.interface_language = "es"
    world.liaison.save(update_fields=["interface_language"])
    response, page = _page(client, world.liaison, "en-US,en;q=0.9")
    assert SPANISH in page and ENGLISH not in page
    assert 'lang="es"' in page
    assert response["Content-Language"] == "es"


def test_english_chosen_wins_over_a_spanish_browser(client, world):
    world.liaison.interface_language = "en"
    world.liaison.save(update_fields=["interface_language"])
    _response, page = _page(client, world.liaison, "es")
    assert ENGLISH in page and SPANISH not in page


def test_with_no_interface_language_the_browser_decides(client, world):
    assert world.liaison.interface_language == ""
    assert SPANISH in _page(client, world.liaison, "es")[1]
    assert ENGLISH in _page(client, world.liaison, "en")[1]


def test_a_language_the_interface_lacks_falls_back_to_the_browser(client, world):
    world.liaison.interface_language = "tlh"
    world.liaison.save(update_fields=["interface_language"])
    assert SPANISH in _page(client, world.liaison, "es")[1]


def test_the_family_portal_keeps_its_own_language_for_a_signed_in_staff_member(client, world):
    world.liaison.interface_language = "es"
    world.liaison.save(update_fields=["interface_language"])
    client.force_login(world.liaison)
    page = client.get("/family/sign-in/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en"' in page
