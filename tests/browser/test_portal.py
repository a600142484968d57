"""The family portal on a phone: sign in with a texted code, every page accessible, Arabic right-to-left."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations as _axe
from tests.portal.gateway import use_gateway


def axe_violations(page) -> list:
    """axe-core violations, each with the elements it names (so a failure says where)."""
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in _axe(page)]


@pytest.fixture
def sms_gateway(settings):
    gateway = use_gateway(settings)
    yield gateway
    gateway.close()


def sign_in_by_text(page, gateway, phone, *, remember=False):
    page.goto(page.base_url + "/family/")
    page.get_by_label(re.compile("mobile phone number|teléfono|celular|điện thoại|هاتف")).fill(
        phone
    )
    page.locator("form:not(.portal-lang) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/family/sign-in/code/$"))
    page.locator("#id_code").fill(gateway.last_code(phone))
    if remember:
        page.locator("#id_remember").check()
    page.locator("form:not(.portal-lang):not(.portal-out) button[type=submit]").click()


def open_menu(page, name="Menu"):
    """On a phone the portal's menu is folded behind its button: open it as a person would."""
    button = page.get_by_role("button", name=name)
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")


def test_a_vietnamese_guardian_signs_in_reads_and_replies(phone_page, world, sms_gateway):
    from liaison.messaging import services as messaging
    from liaison.messaging.models import Message, Rendering

    guardian = world.site_family.guardians.first()  # prefers Vietnamese
    message = messaging.send_message(
        household=world.site_family, body="Conference is on Tuesday at 3 pm.", by=world.admin
    )
    # The language app's approved translation (stands in until the language app is merged).
    Rendering.objects.update_or_create(
        message=message,
        language="vi",
        defaults={"body": "Buổi họp phụ huynh vào thứ Ba lúc 3 giờ chiều.", "method": "approved"},
    )
    sign_in_by_text(phone_page, sms_gateway, guardian.phone)
    expect(phone_page).to_have_url(re.compile(r"/family/$"))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(
        f"Xin chào, {guardian.full_name}"
    )
    expect(phone_page.locator("html")).to_have_attribute("lang", "vi")
    open_menu(phone_page, "Trình đơn")
    expect(
        phone_page.get_by_role("navigation").get_by_role("link", name="Con của tôi")
    ).to_be_visible()
    # The text message itself was in Vietnamese.
    assert "cổng thông tin gia đình" in sms_gateway.to(guardian.phone)[-1]["Body"]

    # Home says there is a new message; the family reads it in Vietnamese, original one tap away.
    expect(phone_page.get_by_text("1 tin nhắn mới từ nhà trường")).to_be_visible()
    phone_page.get_by_role("link", name="Đọc và trả lời").click()
    expect(phone_page.get_by_text("Buổi họp phụ huynh vào thứ Ba lúc 3 giờ chiều.")).to_be_visible()
    original = phone_page.get_by_text("Conference is on Tuesday at 3 pm.")
    expect(original).to_be_hidden()
    phone_page.get_by_text("Xem bản gốc").click()
    expect(original).to_be_visible()
    assert axe_violations(phone_page) == []

    phone_page.get_by_label("Nội dung trả lời").fill("Vâng, tôi sẽ đến.")
    phone_page.get_by_role("button", name="Gửi").click()
    expect(
        phone_page.get_by_text("Câu trả lời của quý vị đã được gửi đến nhà trường.")
    ).to_be_visible()
    expect(phone_page.get_by_text("Vâng, tôi sẽ đến.")).to_be_visible()
    reply = Message.objects.get(direction="in")
    assert reply.guardian == guardian and reply.body == "Vâng, tôi sẽ đến."

    # An invitation, as events sent it and messaging put it into Vietnamese: she answers yes, for
    # two, and asks for a Vietnamese interpreter.
    invitation = invite_with_vietnamese_text(world)
    open_menu(phone_page, "Trình đơn")
    phone_page.get_by_role("navigation").get_by_role("link", name="Sự kiện").click()
    phone_page.get_by_role("link", name="Đêm toán học gia đình").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Đêm toán học gia đình")
    expect(phone_page.get_by_text("Trò chơi và đồ ăn nhẹ, hãy mang theo các cháu.")).to_be_visible()
    assert axe_violations(phone_page) == []
    phone_page.get_by_label("Có", exact=True).check()
    phone_page.get_by_label("Có bao nhiêu người sẽ đến, kể cả quý vị?").fill("2")
    phone_page.get_by_label("Tôi cần thông dịch viên tiếng").select_option("vi")
    phone_page.get_by_role("button", name="Gửi câu trả lời").click()
    expect(
        phone_page.get_by_text("Câu trả lời của quý vị đã được lưu. Cảm ơn quý vị.")
    ).to_be_visible()
    expect(phone_page.get_by_text("Quý vị đã trả lời có, cho 2 người.")).to_be_visible()
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.party_size, invitation.interpreter_language) == (
        "yes",
        2,
        "vi",
    )
    assert invitation.channel == "portal"

    # She looks for a food bank near home.
    import_directory()
    open_menu(phone_page, "Trình đơn")
    phone_page.get_by_role("navigation").get_by_role("link", name="Tìm trợ giúp").click()
    phone_page.get_by_label("Quý vị cần gì?").select_option("food")
    phone_page.get_by_role("button", name="Tìm kiếm").click()
    expect(phone_page.get_by_role("heading", name="Weekly Food Pantry")).to_be_visible()
    expect(phone_page.get_by_role("heading", level=2)).to_contain_text("Tìm thấy")
    assert axe_violations(phone_page) == []


def invite_with_vietnamese_text(world):
    """The site family invited to math night; the notice rendered in Vietnamese (approved), and the
    event's title and description as a person approved them in Vietnamese (the portal's pages)."""
    from liaison.events import services as events
    from liaison.language.services import approve_translation
    from liaison.messaging.models import Message, Rendering
    from tests.events.factories import EventFactory

    for source, text in (
        ("Family math night", "Đêm toán học gia đình"),
        ("Games and snacks; bring the children.", "Trò chơi và đồ ăn nhẹ, hãy mang theo các cháu."),
    ):
        approve_translation(
            district=world.district,
            source_language="en",
            target_language="vi",
            source_text=source,
            text=text,
            by=world.liaison,
        )

    event = EventFactory(
        district=world.district,
        site=world.school,
        title="Family math night",
        description="Games and snacks; bring the children.",
        interpretation=["vi"],
    )
    [invitation] = events.invite_households(event=event, households=[world.site_family], send=False)
    events.send_invitations([invitation.pk])
    Rendering.objects.update_or_create(
        message=Message.objects.get(dedupe_key=f"events:{invitation.pk}:invite"),
        language="vi",
        defaults={
            "subject": "Thư mời: Đêm toán học gia đình",
            "body": "Đêm toán học gia đình\nTrò chơi và đồ ăn nhẹ, hãy mang theo các cháu.",
            "method": "approved",
            "note": "",
        },
    )
    return invitation


def import_directory():
    from liaison.resources.hsds import importer
    from tests.resources.conftest import DATA

    assert not importer.import_path(DATA / "sample").problems


def test_guessing_codes_is_stopped_in_the_browser(phone_page, world, sms_gateway, settings):
    settings.LIAISON_PORTAL_MAX_FAILURES = 3
    guardian = world.caseload_family.guardians.first()
    phone_page.goto(phone_page.base_url + "/family/sign-in/")
    phone_page.locator("#id_contact").fill(guardian.phone)
    phone_page.locator("form:not(.portal-lang) button[type=submit]").click()
    right = sms_gateway.last_code(guardian.phone)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    submit = phone_page.locator("form:not(.portal-lang) button[type=submit]")
    for _ in range(3):
        phone_page.locator("#id_code").fill(wrong)
        submit.click()
        expect(
            phone_page.get_by_text("That code is not right, or it has expired.").first
        ).to_be_visible()
    phone_page.locator("#id_code").fill(right)
    submit.click()
    expect(phone_page.get_by_role("alert")).to_contain_text("Too many wrong codes")
    phone_page.goto(phone_page.base_url + "/family/")
    expect(phone_page).to_have_url(re.compile(r"/family/sign-in/"))


def test_arabic_portal_is_right_to_left(phone_page, world, sms_gateway, tmp_path):
    guardian = world.taught_family.guardians.first()  # prefers Arabic
    sign_in_by_text(phone_page, sms_gateway, guardian.phone)
    expect(phone_page.locator("html")).to_have_attribute("dir", "rtl")
    heading = phone_page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("مرحبًا")
    phone_page.screenshot(path=tmp_path / "portal-ar.png", full_page=True)
    # Right-to-left: the heading's text starts at the right edge of the page, the brand too.
    width = phone_page.viewport_size["width"]
    box = heading.bounding_box()
    text_right = phone_page.evaluate(
        "h => { const r = document.createRange(); r.selectNodeContents(h);"
        " const b = r.getBoundingClientRect(); return [b.left, b.right]; }",
        heading.element_handle(),
    )
    assert text_right[1] > width - 40, text_right
    assert text_right[0] > box["x"], "Arabic text should hug the right edge"
    brand = phone_page.locator(".portal-brand").bounding_box()
    assert brand["x"] + brand["width"] > width - 40
    assert (tmp_path / "portal-ar.png").stat().st_size > 1000


PAGES = [
    "/family/",
    "/family/children/",
    "/family/preferences/",
    "/family/messages/",
    "/family/news/",
    "/family/events/",
    "/family/help/?need=food",
    "/family/concerns/new/",
]


def test_every_portal_page_is_accessible(phone_page, world, sms_gateway):
    from liaison.messaging import services as messaging

    messaging.send_message(household=world.caseload_family, body="Hello", by=world.admin)
    notice = messaging.send_notice(
        guardians=list(world.caseload_family.guardians.all()),
        subject="Picture day",
        body="Bring a smile.",
        by=world.admin,
        kind="reminder",
    )
    from liaison.concerns import services as concerns
    from liaison.events import services as events
    from tests.events.factories import EventFactory

    import_directory()
    event = EventFactory(
        district=world.district, site=world.school, interpretation=["es"], childcare_offered=True
    )
    [invitation] = events.invite_households(
        event=event, households=[world.caseload_family], send=False
    )
    concern = concerns.raise_concern(
        household=world.caseload_family,
        guardian=world.caseload_family.guardians.first(),
        category="health",
        description="Necesita sus medicinas en la escuela.",
        source="portal",
    )
    pages = [
        *PAGES,
        f"/family/news/{notice.pk}/",
        f"/family/events/{invitation.pk}/",
        f"/family/concerns/{concern.pk}/",
    ]
    phone_page.goto(phone_page.base_url + "/family/sign-in/")
    assert axe_violations(phone_page) == [], "sign-in"
    guardian = world.caseload_family.guardians.first()
    phone_page.locator("#id_contact").fill(guardian.phone)
    with phone_page.expect_navigation():
        phone_page.locator("form:not(.portal-lang) button[type=submit]").click()
    assert axe_violations(phone_page) == [], "code"
    phone_page.locator("#id_code").fill(
        "000000" if sms_gateway.last_code(guardian.phone) != "000000" else "111111"
    )
    # axe runs on the page the form led to, not the one it is leaving.
    with phone_page.expect_navigation():
        phone_page.locator("form:not(.portal-lang) button[type=submit]").click()
    assert axe_violations(phone_page) == [], "code with an error"
    phone_page.locator("#id_code").fill(sms_gateway.last_code(guardian.phone))
    with phone_page.expect_navigation():
        phone_page.locator("form:not(.portal-lang) button[type=submit]").click()
    for path in pages:
        phone_page.goto(phone_page.base_url + path)
        assert axe_violations(phone_page) == [], path
    # Forms sent back with their errors (the caseload family reads Spanish).
    phone_page.goto(phone_page.base_url + f"/family/events/{invitation.pk}/")
    phone_page.get_by_role("button", name="Enviar mi respuesta").click()
    expect(phone_page.get_by_role("alert")).to_be_visible()
    assert axe_violations(phone_page) == [], "RSVP with errors"
    phone_page.get_by_label("Sí", exact=True).check()
    phone_page.get_by_role("button", name="Enviar mi respuesta").click()
    expect(phone_page.get_by_text("Su respuesta quedó guardada. Gracias.")).to_be_visible()
    assert axe_violations(phone_page) == [], "RSVP saved, with the check-in code"
    phone_page.goto(phone_page.base_url + "/family/concerns/new/")
    phone_page.get_by_role("button", name="Enviar a la escuela").click()
    expect(phone_page.get_by_role("alert")).to_be_visible()
    assert axe_violations(phone_page) == [], "concern with errors"
    phone_page.goto(phone_page.base_url + "/family/help/?q=")
    assert axe_violations(phone_page) == [], "search with an error"
    phone_page.goto(phone_page.base_url + "/family/sign-in/email-sent/")
    assert axe_violations(phone_page) == [], "email sent"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_pages_fit_a_320_pixel_screen(browser, live_server, world, settings, lang):
    from liaison.portal.session import LANGUAGE_KEY, SESSION_KEY

    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    # Sign in through the session store, as the sign-in pages do.
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = world.caseload_family.guardians.first().pk
    store[LANGUAGE_KEY] = lang
    store.create()
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": store.session_key, "domain": host, "path": "/"}]
    )
    from liaison.events import services as events
    from tests.events.factories import EventFactory

    event = EventFactory(
        district=world.district,
        site=world.school,
        interpretation=["es", "ar"],
        childcare_offered=True,
        transport_offered=True,
        video_url="https://video.example.org/a-rather-long-meeting-link-that-must-wrap",
    )
    [invitation] = events.invite_households(
        event=event, households=[world.caseload_family], send=False
    )
    for path in [*PAGES, f"/family/events/{invitation.pk}/", "/family/sign-in/"]:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        offenders = []
        if overflow > 0:
            offenders = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => {const r = e.getBoundingClientRect();"
                " return r.right > window.innerWidth + 1 || r.left < -1}).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '/' + Math.round(e.getBoundingClientRect().right)).slice(0, 15)"
            )
        assert overflow <= 0, (path, overflow, offenders)
        assert (
            page.locator("main").count() == 1 and page.locator("header[role=banner]").count() == 1
        )
    context.close()


def test_portal_reads_without_javascript(browser, live_server, world, settings):
    settings.ALLOWED_HOSTS = ["*"]
    gateway = use_gateway(settings)
    try:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": 360, "height": 740}
        )
        page = context.new_page()
        page.base_url = live_server.url
        guardian = world.caseload_family.guardians.first()
        sign_in_by_text(page, gateway, guardian.phone)
        expect(page.get_by_role("heading", level=1)).to_contain_text(guardian.full_name)
        page.select_option("#portal-language", "ko")
        page.locator(".portal-lang button").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("안녕하세요")
        context.close()
    finally:
        gateway.close()


def test_the_portal_menu_folds_behind_a_button_on_a_375px_phone(page, browser, world, sms_gateway):
    """On a 375 px phone the menu takes one line (a "Menu" button) until opened; on a laptop it is
    open with no button; both pass axe."""
    guardian = world.caseload_family.guardians.first()
    guardian.preferred_language = "en"
    guardian.save()
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-US"
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.base_url = page.base_url
    for screen, folded in ((phone, True), (page, False)):
        sign_in_by_text(screen, sms_gateway, guardian.phone)
        expect(screen).to_have_url(re.compile(r"/family/$"))
        nav = screen.get_by_role("navigation", name="Family portal")
        button = screen.locator(".portal-menu-button")
        if folded:
            expect(button).to_be_visible()
            expect(nav).to_be_hidden()
            assert axe_violations(screen) == []
            open_menu(screen)
            link = nav.get_by_role("link", name="My children")
            expect(link).to_be_visible()
            assert axe_violations(screen) == []
            link.click()
            expect(screen).to_have_url(re.compile(r"/family/children/$"))
            expect(nav).to_be_hidden()  # folded again on the next page
        else:
            expect(button).to_be_hidden()
            expect(nav.get_by_role("link", name="My children")).to_be_visible()
            assert axe_violations(screen) == []
    context.close()
