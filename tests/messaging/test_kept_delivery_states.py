"""A delivery's state shows on its family's kept household page as soon as it is written.

The drain, the provider's status callbacks, a retry and an address marked unreachable write
deliveries' states with set-based statements (no model save, so no signal): each draws the kept
versions of the families whose rows it wrote (core/kept.py), and only theirs."""

import pytest
from django.urls import reverse

from liaison.messaging import delivery
from liaison.messaging import services as messaging
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery
from tests.core.test_page_cost import just_seen
from tests.people.test_household_page_cost import KEPT_HOUSEHOLD_PAGE_QUERIES
from tests.people.test_kept_households import _page

pytestmark = pytest.mark.django_db


@pytest.fixture
def household_page(client, world, gateway):
    """The liaison's household page of their caseload family, with a text queued to the family,
    drawn and kept."""
    mum = world.caseload_family.guardians.get()
    messaging.send_message(
        household=world.caseload_family, body="Field trip Friday", by=world.liaison
    )
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.caseload_family.pk])
    assert f"{mum.given_name}: Queued (Text message)" in _page(client, url)
    just_seen(client)
    return client, url, mum


def test_the_drain_shows_sent_on_the_kept_household_page(household_page):
    client, url, mum = household_page
    delivery.drain()
    page = _page(client, url)
    assert f"{mum.given_name}: Sent (Text message)" in page
    assert "Queued (Text message)" not in page


def test_a_status_callback_and_a_retry_show_on_the_kept_household_page(household_page, gateway):
    client, url, mum = household_page
    delivery.drain()
    row = Delivery.objects.get(guardian=mum)
    assert "Sent (Text message)" in _page(client, url)
    messaging.record_delivery_status(provider_id=row.provider_id, status="undelivered")
    assert f"{mum.given_name}: Failed (Text message)" in _page(client, url)
    row.refresh_from_db()
    messaging.retry_delivery(delivery=row, by=None)
    assert f"{mum.given_name}: Queued (Text message)" in _page(client, url)


def test_an_address_marked_unreachable_shows_on_the_kept_household_page(household_page):
    client, url, mum = household_page
    delivery.mark_unreachable(channel="sms", address=mum.phone, reason="opt_out")
    assert Delivery.objects.get(guardian=mum).state == DeliveryState.SUPPRESSED
    assert f"{mum.given_name}: Not sent (Text message)" in _page(client, url)


def test_another_familys_drain_leaves_the_household_page_kept(
    household_page, world, django_assert_max_num_queries
):
    client, url, _mum = household_page
    # The caseload family's text goes first; then another family's, drained on its own.
    delivery.drain()
    _page(client, url)
    just_seen(client)
    messaging.send_message(household=world.site_family, body="Bus times", by=world.admin)
    delivery.drain()
    assert Delivery.objects.filter(message__body="Bus times", state=DeliveryState.SENT).exists()
    with django_assert_max_num_queries(KEPT_HOUSEHOLD_PAGE_QUERIES):
        assert "Sent (Text message)" in _page(client, url)
