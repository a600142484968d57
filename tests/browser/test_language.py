"""Announcing in three languages: preview each, correct one, send, and the correction is reused."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in_as_admin
from tests.language.servers import EngineServer

SUBJECT = "Family night"
BODY = "Family night is on Thursday in the gym. Everyone is welcome."
CORRECTED = "La noche familiar es el jueves en el gimnasio. ¡Todos son bienvenidos!"


@pytest.fixture
def engine(world):
    from liaison.language.engines import http
    from liaison.language.models import DistrictLanguageSettings

    http._LANGUAGES_CACHE.clear()
    with EngineServer() as server:
        DistrictLanguageSettings.objects.create(
            district=world.district, engine="libretranslate", endpoint=server.url
        )
        yield server
    http._LANGUAGES_CACHE.clear()


def compose(page):
    page.goto(page.base_url + "/messages/announcements/new/")
    page.get_by_label("Languages").fill("es, ar, vi")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Announcement").fill(BODY)


def send_and_prepare(page):
    from liaison.messaging import services
    from liaison.messaging.models import Message

    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/messages/announcements/\d+/$"))
    message = Message.objects.order_by("-pk").first()
    services.prepare_message(message.pk)  # the fan-out task's code path
    return message


def test_preview_three_languages_correct_one_send_and_the_correction_is_reused(page, world, engine):
    sign_in_as_admin(page, world)
    compose(page)
    page.get_by_role("button", name="Preview").click()

    previews = page.locator(".translation-previews")
    for name in ["Spanish", "Arabic", "Vietnamese"]:
        expect(previews.get_by_role("heading", name=re.compile(name))).to_be_visible()
    arabic = previews.locator("#rendering-ar .family-text")
    expect(arabic).to_have_attribute("dir", "rtl")
    spanish = previews.locator("#rendering-es")
    expect(spanish.get_by_text("Machine translated", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    spanish.get_by_text("Correct the Spanish translation").click()
    spanish.get_by_label("Message").fill(CORRECTED)
    spanish.get_by_role("button", name="Save as approved translation").click()
    spanish = previews.locator("#rendering-es")
    # The badge itself (exact), not the "Save as approved translation" button that also matches.
    expect(spanish.get_by_text("Approved translation", exact=True)).to_be_visible()
    expect(spanish.locator(".family-text")).to_contain_text(CORRECTED)

    first = send_and_prepare(page)
    es = first.renderings.get(language="es")
    assert (es.method, es.body) == ("approved", CORRECTED)
    assert first.renderings.get(language="vi").method == "machine"
    calls = len(engine.translate_calls())

    compose(page)
    second = send_and_prepare(page)
    es = second.renderings.get(language="es")
    assert (es.method, es.body) == ("approved", CORRECTED)
    assert len(engine.translate_calls()) == calls  # nothing asked of the engine the second time
