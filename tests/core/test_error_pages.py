"""The 404 and 500 pages are in the app's look; the 500 page renders with no request and no
database (a fault may be the database itself)."""

import pytest
from django.template.loader import get_template
from django.test import Client

from tests.core.error_urls import FAULT


def test_a_missing_page_answers_a_styled_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert 'class="topbar"' in page and "/static/css/app.css" in page
    assert 'href="/"' in page  # a way back


def test_the_500_page_renders_without_a_request_or_a_database():
    # No `db` fixture: any query here would fail the test.
    page = get_template("500.html").render({})
    assert "<h1>Something went wrong</h1>" in page
    assert "css/app.css" in page and 'class="topbar"' in page


@pytest.mark.urls("tests.core.error_urls")
def test_a_failing_view_answers_the_styled_500_with_debug_off(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert FAULT not in page  # the exception is for the log, not the person
    assert "css/app.css" in page
