"""A family who meets a missing page or a fault under /family/ gets the portal's look, in their
language, with a way back to the portal's start; staff keep the staff pages."""

import pytest
from django.test import Client, override_settings

from liaison.portal.session import SESSION_KEY


def _family(world, household):
    client = Client(raise_request_exception=False)
    session = client.session
    session[SESSION_KEY] = household.guardians.get().pk
    session.save()
    return client


def test_a_missing_portal_page_is_the_portals_in_the_familys_language(world):
    client = _family(world, world.taught_family)  # the guardian reads Arabic
    response = client.get("/family/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="portal"' in html and 'class="portal-top"' in html
    assert "الصفحة غير موجودة" in html
    assert '<a class="button primary" href="/family/">الذهاب إلى بوابة الأسرة</a>' in html
    assert "Go to the start page" not in html  # not the staff page


def test_a_record_out_of_reach_in_the_portal_is_the_same_page(world):
    client = _family(world, world.caseload_family)
    response = client.get("/family/events/999999/", headers={"accept-language": "es"})
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="portal-top"' in html
    assert 'button primary" href="/family/"' in html


def test_a_visitor_not_signed_in_gets_the_portal_404_in_their_browsers_language(db):
    client = Client()
    response = client.get("/family/no-such-page/", headers={"accept-language": "vi"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html and 'href="/family/"' in html


def test_staff_pages_keep_the_staff_404(client, world):
    client.force_login(world.liaison)
    html = client.get("/people/no-such-page/").content.decode()
    assert "Go to the start page" in html and "portal-top" not in html


@override_settings(ROOT_URLCONF="tests.portal.error_urls")
def test_a_fault_in_the_portal_is_the_portals_500_in_the_familys_language(world):
    client = _family(world, world.taught_family)
    response = client.get("/family/fails/")
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="portal-top"' in html and "حدث خطأ ما" in html
    assert 'href="/family/"' in html


@override_settings(ROOT_URLCONF="tests.portal.error_urls")
@pytest.mark.django_db
def test_a_fault_on_a_staff_page_keeps_the_staff_500():
    client = Client(raise_request_exception=False)
    response = client.get("/people/fails/")
    assert response.status_code == 500
    assert "Go to the start page" in response.content.decode()
    assert "portal-top" not in response.content.decode()
