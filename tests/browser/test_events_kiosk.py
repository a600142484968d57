"""A family is checked in at the door by the QR code on their invitation (typed as a scanner would)."""

from django.urls import reverse

from liaison.events import services
from liaison.events.choices import Answer
from tests.browser.conftest import axe_violations, sign_in
from tests.events.factories import EventFactory


def test_kiosk_checks_in_a_family_by_qr_code(page, world):
    event = EventFactory(district=world.district, site=world.school, title="Family science night")
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    services.respond(invitation=inv, answer=Answer.YES, party_size=2)
    sign_in(page, "liaison")
    page.goto(page.base_url + reverse("events:kiosk", args=[event.pk]))
    assert axe_violations(page) == []
    field = page.get_by_label("Scan the QR code or type its code")
    # A USB scanner types what the QR code encodes, then Enter.
    field.press_sequentially(services.qr_payload(inv))
    field.press("Enter")
    status = page.get_by_role("status").filter(has_text="Welcome")
    status.wait_for()
    assert "Caseload household" in status.inner_text()
    assert "Checked in: 2" in status.inner_text()
    inv.refresh_from_db()
    assert inv.checked_in_at is not None
    # The field is cleared and ready for the next family.
    assert field.input_value() == ""


def test_a_walk_in_added_at_the_kiosk_is_matched_to_its_family(page, world):
    event = EventFactory(district=world.district, site=world.school, title="Math night")
    sign_in(page, "liaison")
    page.goto(page.base_url + reverse("events:kiosk", args=[event.pk]))
    walk_in_form = page.locator("form[action$='/kiosk/walk-in/']")
    walk_in_form.get_by_label("Name").fill("Ana at the door")
    walk_in_form.get_by_label("How many people").fill("2")
    page.get_by_role("button", name="Add and check in").click()
    page.get_by_text("Welcome, Ana at the door!").wait_for()
    page.goto(page.base_url + reverse("events:event", args=[event.pk]))
    page.get_by_role("link", name="Which family?").click()
    assert axe_violations(page) == []
    page.get_by_label("Family or guardian name, phone or email").fill("Caseload")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="It was Caseload household").click()
    page.get_by_text("Ana at the door is now recorded as Caseload household.").wait_for()
    walk_in = event.invitations.get()
    assert walk_in.household == world.caseload_family
    assert walk_in.checked_in_count == 2


def test_event_page_shows_live_needs_and_is_accessible(page, world):
    event = EventFactory(
        district=world.district,
        site=world.school,
        title="Parent workshop",
        capacity=20,
        interpretation=["so"],
    )
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    sign_in(page, "liaison")
    page.goto(page.base_url + reverse("events:event", args=[event.pk]))
    assert axe_violations(page) == []
    services.respond(invitation=inv, answer=Answer.YES, party_size=6, interpreter_language="so")
    # The counts refresh on their own (htmx polling) without reloading the page.
    page.get_by_text("6 need a Somali interpreter").wait_for(timeout=15_000)


def test_family_answers_by_link_on_a_phone_without_signing_in(phone_page, world):
    event = EventFactory(
        district=world.district,
        site=world.school,
        title="Family literacy night",
        childcare_offered=True,
    )
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    phone_page.goto(
        phone_page.base_url + reverse("events:rsvp_link", args=[services.rsvp_token(inv)])
    )
    assert axe_violations(phone_page) == []
    phone_page.get_by_label("Yes").check()
    phone_page.get_by_label("How many people").fill("3")
    phone_page.get_by_label("Childcare: ages of the children").fill("2, 6")
    phone_page.get_by_role("button", name="Send my answer").click()
    phone_page.get_by_text("is confirmed").wait_for()
    assert axe_violations(phone_page) == []
    inv.refresh_from_db()
    assert (inv.answer, inv.party_size, inv.childcare_ages) == ("yes", 3, [2, 6])


def test_the_arrival_qr_code_shows_on_the_familys_answer_page(phone_page, world):
    event = EventFactory(district=world.district, site=world.school, title="Open house")
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    phone_page.goto(
        phone_page.base_url + reverse("events:rsvp_link", args=[services.rsvp_token(inv)])
    )
    phone_page.get_by_label("Yes").check()
    phone_page.get_by_role("button", name="Send my answer").click()
    qr = phone_page.get_by_role("img", name="Your check-in code: show it at the door")
    qr.wait_for()
    # A broken image (an SVG without its namespace is one) has no natural size.
    decoded, width, height = qr.evaluate(
        "img => img.decode().then(() => true, () => false)"
        ".then(ok => [ok, img.naturalWidth, img.naturalHeight])"
    )
    assert decoded and width > 0 and height > 0
    box = qr.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
