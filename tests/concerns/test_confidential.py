"""Confidential notes: only the assignee, site leaders and district admins read them — anywhere."""

import json

import pytest
from django.urls import get_resolver, reverse

from liaison.concerns import services
from liaison.core import family_record
from tests.concerns import factories as cf

SECRET = "SECRET-court-matter-7731"
OPEN = "OPEN-called-the-bus-company"


def _setup(world, household):
    assignee = cf.colleague(household.district)
    concern = cf.concern(household, assignee=assignee)
    services.add_note(concern=concern, body=SECRET, by=assignee, restricted=True)
    services.add_note(concern=concern, body=OPEN, by=assignee)
    meeting = cf.meeting(concern)
    return concern, meeting, assignee


def _concern_urls(concern, meeting):
    """Every URL of the concerns app, with the ids of this family's records."""
    sub = get_resolver().namespace_dict["concerns"][1]
    for name in sorted(n for n in sub.reverse_dict if isinstance(n, str)):
        route = str(sub.reverse_dict.getlist(name)[0][1])
        if "<" not in route and "(?P" not in route:
            args = []
        elif route.startswith("households/") or "households/" in route:
            args = [concern.household_id]
        elif "meetings/(?P<pk>" in route or route.startswith("meetings/"):
            args = [meeting.pk]
        else:
            args = [concern.pk]
        yield name, reverse(f"concerns:{name}", args=args)


@pytest.mark.parametrize(
    "role, family_attr", [("teacher", "taught_family"), ("interpreter", "interpreted_family")]
)
def test_confidential_note_is_absent_for_teachers_and_interpreters_everywhere(
    client, world, role, family_attr
):
    household = getattr(world, family_attr)
    concern, meeting, _ = _setup(world, household)
    client.force_login(getattr(world, role))
    seen = []
    for name, url in _concern_urls(concern, meeting):
        for response in (client.get(url), client.get(url, {"queue": "all", "q": "SECRET"})):
            assert SECRET.encode() not in response.content, f"{role} {name} {url}"
        response = client.post(url, {"body": SECRET, "restricted": "on"})
        assert SECRET.encode() not in response.content, f"{role} POST {name} {url}"
        seen.append(name)
    assert {"detail", "detail_json", "meeting", "household", "queue"} <= set(seen)
    # The concern itself is visible to them, with the ordinary notes ...
    detail = client.get(concern.get_absolute_url())
    assert detail.status_code == 200 and OPEN.encode() in detail.content
    api = client.get(reverse("concerns:detail_json", args=[concern.pk])).json()
    assert [n["body"] for n in api["notes"]] == [OPEN]
    # ... but never the confidential one, nor on the household page or its timeline.
    for url in [
        household.get_absolute_url(),
        reverse("people:household_timeline", args=[household.pk]),
        reverse("people:household_timeline", args=[household.pk]) + "?kind=note",
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET.encode() not in response.content, url
    # Nobody could add a note: POSTs were refused.
    assert concern.notes.filter(body=SECRET).count() == 1


def test_confidential_note_is_left_out_of_the_family_record_export(world):
    _setup(world, world.caseload_family)
    section = next(s for s in family_record.sections() if s.name == "concerns")
    exported = json.dumps(section.export(world.caseload_family))
    assert OPEN in exported and SECRET not in exported


def test_assignee_leader_and_admin_read_the_confidential_note_others_do_not(client, world):
    concern, _, assignee = _setup(world, world.caseload_family)
    for user, expected in [
        (assignee, True),
        (world.leader, True),
        (world.admin, True),
        (world.liaison, False),  # the family's caseload liaison, but not the assignee
    ]:
        client.force_login(user)
        page = client.get(concern.get_absolute_url())
        assert page.status_code == 200, user
        assert (SECRET.encode() in page.content) is expected, user
        if user == assignee:
            continue  # not on the family's caseload: the household page asks them why first
        timeline = client.get(reverse("people:household_timeline", args=[concern.household_id]))
        assert (SECRET.encode() in timeline.content) is expected, user


def test_history_records_a_confidential_note_without_its_words(world):
    concern, _, _ = _setup(world, world.caseload_family)
    assert not concern.changes.filter(new__contains=SECRET).exists()
    assert concern.changes.filter(action="note", new="confidential note").exists()
