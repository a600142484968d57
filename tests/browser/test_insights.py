"""A site leader drills from the site's reach figures to the families not reached and writes to them."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in_with_second_factor


def test_a_site_leader_drills_from_reach_to_the_unreached_and_starts_outreach(page, world):
    from liaison.insights import services
    from liaison.messaging.choices import MessageKind
    from liaison.messaging.models import Message

    services.refresh_all()
    secret = generate_totp_secret()
    TOTP.activate(world.leader, secret)
    sign_in_with_second_factor(page, "leader", secret)

    page.goto(page.base_url + "/insights/")
    expect(page.get_by_role("heading", name="Who are we reaching?")).to_be_visible()
    expect(page.get_by_text("Alder Elementary").first).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    # Reach by home language: nobody at Alder has been reached; open the Spanish-speaking
    # families not reached from the reach table.
    reach = page.get_by_role("region", name="Reach by home language")
    reach.get_by_role("row", name=re.compile("Spanish")).get_by_role("link").click()

    expect(page.get_by_role("heading", name=re.compile("Not reached"))).to_be_visible()
    expect(page.get_by_role("link", name="Caseload household")).to_be_visible()
    expect(page.get_by_text("Othersite household")).to_have_count(0)

    page.get_by_role("button", name="Start outreach").click()
    expect(page.get_by_role("heading", name="New announcement")).to_be_visible()
    expect(page.get_by_label("Other audience")).to_have_value("insights")
    expect(page.get_by_label("Which one")).to_have_value(
        f"site:{world.school.pk}:unreached:language:es"
    )
    page.get_by_label("Subject").fill("We would like to hear from you")
    page.get_by_role("textbox", name="Announcement").fill(
        "Please call the family centre this week; we have news about the school year."
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Announcement is being sent.")).to_be_visible()
    message = Message.objects.get(kind=MessageKind.ANNOUNCEMENT)
    assert message.subject == "We would like to hear from you"
