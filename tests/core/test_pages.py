"""The page registry asks each piece's access question before it calls the piece's provider."""

import pytest
from django.db import connection
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext

from liaison.core import pages

pytestmark = pytest.mark.django_db


def _tables_read(run) -> str:
    with CaptureQueriesContext(connection) as queries:
        result = run()
    return result, " ".join(q["sql"] for q in queries.captured_queries)


def test_a_full_view_panel_is_not_built_for_a_teacher(world):
    """The student page's disclosure record is for those who see the family in full: for the
    child's teacher its provider never runs (no query reads the disclosures)."""
    student = world.taught_family.students.first()
    request = RequestFactory().get("/")

    request.user = world.teacher
    panels, sql = _tables_read(lambda: pages.panels("student", request, student))
    assert "audit/_disclosures_panel.html" not in [p["template"] for p in panels]
    assert "audit_disclosure" not in sql

    request.user = world.admin
    panels, sql = _tables_read(lambda: pages.panels("student", request, student))
    assert "audit/_disclosures_panel.html" in [p["template"] for p in panels]
    assert "audit_disclosure" in sql


def test_a_full_view_timeline_feed_is_not_read_for_a_teacher(world):
    """The contact log is for those who see the family in full: for a teacher of one of its
    children the feed's query never runs, while the family's own liaison's does."""
    family = world.taught_family

    entries, sql = _tables_read(
        lambda: pages.timeline("household", family, world.teacher, kinds=["contact"])
    )
    assert entries == []
    assert "concerns_contact" not in sql

    entries, sql = _tables_read(
        lambda: pages.timeline("household", family, world.admin, kinds=["contact"])
    )
    assert "concerns_contact" in sql


def test_a_page_has_no_piece_without_a_question():
    """Every registration names the policy question it needs: there is no default that lets all in."""
    with pytest.raises(TypeError):
        pages.add_panel("household", "nowhere.html")  # type: ignore[call-arg]
    with pytest.raises(LookupError):
        pages.add_panel("no such page", "nowhere.html", ask=pages.page_opened)
