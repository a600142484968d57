"""A liaison writes to a family; the reply arrives by SMS and appears in the open thread without a reload."""

import urllib.parse
import urllib.request

from django.conf import settings
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from tests.browser.conftest import axe_violations, sign_in


def _text_from_family(base_url, sender, body, sid):
    path = "/messages/sms/inbound/"
    data = {"From": sender, "To": "+16175550199", "Body": body, "MessageSid": sid}
    signature = RequestValidator(settings.MESSAGING_SMS_AUTH_TOKEN).compute_signature(
        settings.PUBLIC_URL + path, data
    )
    request = urllib.request.Request(  # noqa: S310 - loopback live server
        base_url + path,
        data=urllib.parse.urlencode(data).encode(),
        headers={"X-Twilio-Signature": signature},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        assert response.status == 200


def test_reply_by_sms_appears_in_the_open_thread_without_reload(page, world, settings):
    settings.PUBLIC_URL = "https://liaison.example.org"
    settings.MESSAGING_SMS_AUTH_TOKEN = "browser-test-token"
    household = world.caseload_family
    guardian = household.guardians.get()
    sign_in(page, "liaison")
    page.goto(page.base_url + household.get_absolute_url())
    page.get_by_role("link", name="Write to family").click()

    page.get_by_role("textbox", name="Message").fill("Hola, ¿puede venir el lunes a las 3?")
    page.get_by_role("button", name="Send").click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("¿puede venir el lunes a las 3?")
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")
    page.evaluate("window.__noReload = true")

    _text_from_family(page.base_url, guardian.phone, "Sí, allí estaré", "SMbrowser1")

    expect(thread).to_contain_text("Sí, allí estaré", timeout=10_000)
    assert page.evaluate("window.__noReload") is True, "the page was not reloaded"
    assert axe_violations(page) == []


def test_thread_works_on_a_phone(phone_page, world):
    household = world.caseload_family
    sign_in(phone_page, "liaison")
    phone_page.goto(phone_page.base_url + f"/messages/households/{household.pk}/write/")
    phone_page.get_by_role("textbox", name="Message").fill("Reminder: conferences next week")
    phone_page.get_by_role("button", name="Send").click()
    expect(phone_page.locator("#thread")).to_contain_text("conferences next week")
    assert axe_violations(phone_page) == []


def test_a_teacher_writes_as_themselves_and_the_text_back_reaches_their_thread(
    page, world, settings
):
    settings.PUBLIC_URL = "https://liaison.example.org"
    settings.MESSAGING_SMS_AUTH_TOKEN = "browser-test-token"
    household = world.taught_family
    guardian = household.guardians.get()
    sign_in(page, "teacher")
    page.goto(page.base_url + household.get_absolute_url())
    page.get_by_role("link", name="Message the family").click()
    page.get_by_role("textbox", name="Message").fill("Lina read a whole chapter aloud today.")
    page.get_by_role("button", name="Send").click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("a whole chapter aloud")
    page.evaluate("window.__noReload = true")

    _text_from_family(page.base_url, guardian.phone, "شكراً جزيلاً", "SMbrowser-teacher")

    expect(thread).to_contain_text("شكراً جزيلاً", timeout=10_000)
    assert page.evaluate("window.__noReload") is True, "the page was not reloaded"
    assert axe_violations(page) == []
