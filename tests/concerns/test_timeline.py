"""The concerns feeds on the household timeline: what a liaison sees, and at what cost."""

from django.urls import reverse

from liaison.concerns import services
from tests.concerns import factories as cf


def _fill(world, n):
    household = world.caseload_family
    guardian = household.guardians.first()
    for i in range(n):
        concern = cf.concern(household, assignee=world.liaison)
        services.add_note(
            concern=concern, body=f"Note {i}", by=world.liaison, restricted=i % 2 == 0
        )
        services.log_contact(
            household=household,
            by=world.liaison,
            kind="call",
            purpose=f"Call {i}",
            guardian=guardian,
            duration_minutes=5,
        )
    return household


def test_timeline_first_page_costs_the_same_queries_for_few_or_many_entries(
    client, world, django_assert_max_num_queries
):
    household = _fill(world, 3)
    client.force_login(world.liaison)
    url = reverse("people:household_timeline", args=[household.pk])
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        page = client.get(url, headers={"HX-Request": "true"})
    assert "Call 2" in page.content.decode() and "Note 2" in page.content.decode()
    _fill(world, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, headers={"HX-Request": "true"})
    text = page.content.decode()
    assert "Call 11" in text and "Phone call — CaseloadParent Caseload" in text
    assert "Confidential note" in text  # the assignee reads their own confidential notes
