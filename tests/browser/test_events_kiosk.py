"""A family is checked in at the door by the QR code on their invitation (typed as a scanner would),
or by name, on a kiosk that shows no staff menu, no staff name and no other family."""

import re

from django.urls import reverse

from liaison.events import services
from liaison.events.choices import Answer
from tests.browser.conftest import axe_violations, sign_in
from tests.events.factories import EventFactory
from tests.factories import GuardianFactory, HouseholdFactory


def open_kiosk(page, event):
    """The staff member starts kiosk mode for the event (it locks their session to it)."""
    page.goto(page.base_url + reverse("events:kiosk", args=[event.pk]))
    page.get_by_role("button", name="Start the kiosk").click()
    page.get_by_role("heading", name=f"Welcome to {event.title}").wait_for()


def leave_kiosk(page):
    page.get_by_role("link", name="Staff: leave the kiosk").click()
    page.get_by_label("Password of the staff member who opened the kiosk").fill(
        "correct-horse-battery"
    )
    page.get_by_role("button", name="Leave the kiosk").click()


def test_kiosk_checks_in_a_family_by_qr_code(page, world):
    event = EventFactory(district=world.district, site=world.school, title="Family science night")
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    services.respond(invitation=inv, answer=Answer.YES, party_size=2)
    sign_in(page, "liaison")
    open_kiosk(page, event)
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
    open_kiosk(page, event)
    walk_in_form = page.locator("form[action$='/kiosk/walk-in/']")
    walk_in_form.get_by_label("Name").fill("Ana at the door")
    walk_in_form.get_by_label("How many people").fill("2")
    page.get_by_role("button", name="Add and check in").click()
    page.get_by_text("Welcome, Ana at the door!").wait_for()
    leave_kiosk(page)
    page.goto(page.base_url + reverse("events:event", args=[event.pk]))
    with page.expect_navigation():
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


def test_kiosk_checks_families_in_by_qr_and_by_name_and_shows_no_one_else(page, world, settings):
    settings.LIAISON_KIOSK_CONFIRM_SECONDS = 3
    event = EventFactory(district=world.district, site=world.school, title="Spring concert")
    castillo = HouseholdFactory(district=world.district, name="Castillo household")
    GuardianFactory(household=castillo, given_name="Marisol", family_name="Castillo")
    GuardianFactory(household=castillo, given_name="Jorge", family_name="Castillo")
    by_qr, by_name, _other = services.invite_households(
        event=event, households=[world.site_family, world.caseload_family, castillo], send=False
    )
    sign_in(page, "liaison")
    staff_name = world.liaison.get_full_name()
    open_kiosk(page, event)
    assert axe_violations(page) == []
    screen = page.locator("body")

    def nothing_of_staff_or_other_families(*families):
        text = screen.inner_text()
        assert staff_name not in text and world.liaison.last_name not in text
        assert "Sign out" not in text
        assert page.get_by_role("navigation").count() == 0
        for name in families:
            assert name not in text

    nothing_of_staff_or_other_families("Castillo", "Caseload", "Sitefamily")

    # By the QR code, typed as a scanner would.
    field = page.get_by_label("Scan the QR code or type its code")
    field.press_sequentially(services.qr_payload(by_qr))
    field.press("Enter")
    status = page.get_by_role("status").filter(has_text="Welcome")
    status.wait_for()
    assert "Sitefamily household" in status.inner_text()
    nothing_of_staff_or_other_families("Castillo", "Caseload", "SitefamilyParent")
    # The welcome stays a few seconds, then the screen is clear for the next family.
    status.wait_for(state="detached", timeout=15_000)
    nothing_of_staff_or_other_families("Castillo", "Caseload", "Sitefamily")

    # By name: a few letters list households by name and initials only.
    page.get_by_label("Name", exact=True).press_sequentially("Cas")
    mine = page.get_by_role("button", name="Check in Caseload household — C.")
    mine.wait_for()
    page.get_by_role("button", name="Check in Castillo household — M., J.").wait_for()
    assert "Marisol" not in screen.inner_text() and "Jorge" not in screen.inner_text()
    mine.click()
    status = page.get_by_role("status").filter(has_text="Welcome")
    status.wait_for()
    assert "Caseload household" in status.inner_text()
    # The other family found by the same letters is gone at once.
    nothing_of_staff_or_other_families("Castillo", "CaseloadParent", "Sitefamily")
    status.wait_for(state="detached", timeout=15_000)
    assert page.get_by_label("Name", exact=True).input_value() == ""
    nothing_of_staff_or_other_families("Castillo", "Caseload", "Sitefamily")

    by_qr.refresh_from_db()
    by_name.refresh_from_db()
    assert by_qr.checked_in_at is not None and by_name.checked_in_at is not None
    # Locked to the event: the staff pages lead back to the kiosk.
    page.goto(page.base_url + reverse("events:list"))
    assert page.url.endswith(reverse("events:kiosk", args=[event.pk]))
    nothing_of_staff_or_other_families("Castillo", "Caseload", "Sitefamily")


def test_kiosk_speaks_the_chosen_language_and_clears_itself_when_left_idle(page, world, settings):
    settings.LIAISON_KIOSK_IDLE_SECONDS = 3
    event = EventFactory(
        district=world.district, site=world.school, title="Noche de ciencias", interpretation=["es"]
    )
    services.invite_households(event=event, households=[world.caseload_family], send=False)
    sign_in(page, "liaison")
    open_kiosk(page, event)
    page.get_by_role("button", name="español").click()
    page.get_by_role("heading", name="Bienvenidos a Noche de ciencias").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(page) == []
    page.get_by_label("Nombre", exact=True).press_sequentially("Case")
    page.get_by_role("button", name=re.compile("Caseload household")).wait_for()
    # A family walks away: after the idle time the screen is clear, in the first language.
    page.get_by_role("heading", name="Welcome to Noche de ciencias").wait_for(timeout=15_000)
    assert "Caseload" not in page.locator("body").inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == ""
    # Leaving needs the staff member's password.
    page.get_by_role("link", name="Staff: leave the kiosk").click()
    page.get_by_label("Password of the staff member who opened the kiosk").fill("a guess")
    page.get_by_role("button", name="Leave the kiosk").click()
    page.get_by_text("That is not the password.").wait_for()
    page.get_by_label("Password of the staff member who opened the kiosk").fill(
        "correct-horse-battery"
    )
    page.get_by_role("button", name="Leave the kiosk").click()
    page.get_by_role("heading", name="Noche de ciencias").wait_for()
    assert page.url.endswith(reverse("events:event", args=[event.pk]))
