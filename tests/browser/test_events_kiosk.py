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
