"""The one door into a family's record: 404 for missing and forbidden alike, what each want lets a
person do, break-the-glass (its own view, its reason, where it sends people next, its log row),
and the policy's one per-request cache."""

import ast
import re
from pathlib import Path

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from liaison.audit.models import AccessLog
from liaison.core import policy
from liaison.core.policy import Want

POLICY = Path(__file__).resolve().parents[2] / "src" / "liaison" / "core" / "policy"


def _without_nonce(content: bytes) -> bytes:
    """The page without what every response draws afresh: the CSP nonce and the masked CSRF
    token."""
    content = re.sub(rb'nonce="[^"]*"', b'nonce=""', content)
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
    return re.sub(rb'"X-CSRFToken": "[^"]*"', b'"X-CSRFToken": ""', content)


def _reason_url(household, next_url=None):
    url = reverse("people:household_reason", args=[household.pk])
    return f"{url}?next={next_url}" if next_url else url


# --- missing and forbidden -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["people:household", "people:household_edit", "messaging:household_write"]
)
def test_a_family_outside_ones_scope_answers_like_one_that_does_not_exist(client, world, url_name):
    client.force_login(world.liaison)
    forbidden = client.get(reverse(url_name, args=[world.foreign_family.pk]))
    missing = client.get(reverse(url_name, args=[world.foreign_family.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    # The same page, byte for byte, but for the tokens each response draws afresh.
    assert _without_nonce(forbidden.content) == _without_nonce(missing.content)
    assert b"Page not found" in forbidden.content


def test_a_guardian_student_or_thread_outside_ones_scope_is_404_like_a_missing_one(client, world):
    client.force_login(world.teacher)
    foreign = world.foreign_family
    for name, pk in [
        ("people:guardian", foreign.guardians.first().pk),
        ("people:student", foreign.students.first().pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404
        assert client.get(reverse(name, args=[pk + 1000])).status_code == 404


def test_a_liaisons_thread_outside_their_scope_is_404_like_a_missing_one(client, world):
    """The liaison's own families' threads open without the scope filter (core/policy/door.py);
    any other thread is asked of it, and a thread outside their scope answers as a missing one."""
    from liaison.messaging.services import conversation_for

    client.force_login(world.liaison)
    own = conversation_for(world.caseload_family)
    foreign = conversation_for(world.foreign_family)
    off_caseload = conversation_for(world.site_family)
    thread = "messaging:conversation"
    assert client.get(reverse(thread, args=[own.pk])).status_code == 200
    assert client.get(reverse(thread, args=[foreign.pk])).status_code == 404
    assert client.get(reverse(thread, args=[foreign.pk + 1000])).status_code == 404
    # A family of their site off their caseload: in scope, the reason is asked first.
    assert client.get(reverse(thread, args=[off_caseload.pk])).status_code != 404


# --- wants ---------------------------------------------------------------------------------


def test_a_teacher_sees_a_taught_family_but_may_not_change_or_assign_it(client, world):
    client.force_login(world.teacher)
    family = world.taught_family
    assert client.get(reverse("people:household", args=[family.pk])).status_code == 200
    assert client.get(reverse("people:household_edit", args=[family.pk])).status_code == 404
    assert client.get(reverse("people:household_assign", args=[family.pk])).status_code == 404
    assert client.get(reverse("messaging:household_write", args=[family.pk])).status_code == 404


def test_the_interpreter_writes_to_their_family_but_does_not_change_its_record(client, world):
    client.force_login(world.interpreter)
    family = world.interpreted_family
    assert client.get(reverse("messaging:household_write", args=[family.pk])).status_code == 200
    assert client.get(reverse("people:household_edit", args=[family.pk])).status_code == 404


def test_only_leaders_and_admins_put_a_family_on_a_caseload(client, world):
    family = world.caseload_family
    client.force_login(world.liaison)
    assert client.get(reverse("people:household_assign", args=[family.pk])).status_code == 404
    client.force_login(world.leader)
    assert client.get(reverse("people:household_assign", args=[family.pk])).status_code == 200


def test_each_want_is_answered_by_the_policy(world):
    family = world.site_family
    assert policy.allows(world.leader, family, Want.SEE)
    assert policy.allows(world.leader, family, Want.EDIT)
    assert policy.allows(world.leader, family, Want.MESSAGE)
    assert policy.allows(world.leader, family, Want.ASSIGN)
    assert not policy.allows(world.teacher, world.taught_family, Want.EDIT)
    assert not policy.allows(world.teacher, world.taught_family, Want.MESSAGE)
    assert not policy.allows(world.liaison, world.caseload_family, Want.ASSIGN)


# --- break the glass -----------------------------------------------------------------------


def test_a_page_of_a_family_off_the_caseload_sends_the_liaison_to_the_household_page(client, world):
    client.force_login(world.liaison)
    family = world.site_family
    response = client.get(reverse("people:household_edit", args=[family.pk]))
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()


def test_the_household_page_asks_the_reason_in_place_and_posts_it_to_the_reason_view(client, world):
    client.force_login(world.liaison)
    family = world.site_family
    response = client.get(family.get_absolute_url())
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert reverse("people:household_reason", args=[family.pk]).encode() in response.content
    assert family.guardians.first().given_name.encode() not in response.content


def test_the_reason_view_logs_the_reason_and_goes_on_to_the_page_asked_for(client, world):
    client.force_login(world.liaison)
    family = world.site_family
    edit = reverse("people:household_edit", args=[family.pk])
    response = client.post(
        _reason_url(family), {"reason": "Father asked to update the phone", "next": edit}
    )
    assert response.status_code == 302
    assert response["Location"] == edit
    assert client.get(edit).status_code == 200
    row = AccessLog.objects.get(household_id=family.pk, action="break_glass")
    assert row.username == "liaison"
    assert row.reason == "Father asked to update the phone"


def test_the_reason_stays_on_the_log_rows_of_the_pages_opened_after_it(client, world):
    client.force_login(world.liaison)
    family = world.site_family
    client.post(_reason_url(family), {"reason": "Front office asked about the bus"})
    client.get(family.get_absolute_url())
    row = AccessLog.objects.get(household_id=family.pk, action="view", kind="household")
    assert row.reason == "Front office asked about the bus"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/steal", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_reason_view_never_sends_anyone_off_the_site(client, world, next_url):
    client.force_login(world.liaison)
    family = world.site_family
    response = client.post(
        _reason_url(family), {"reason": "Mother called the office", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()


def test_a_too_short_reason_is_asked_again_and_nothing_is_logged(client, world):
    client.force_login(world.liaison)
    response = client.post(_reason_url(world.site_family), {"reason": "x"})
    assert response.status_code == 200
    assert b"at least 5 characters" in response.content
    assert not AccessLog.objects.filter(action="break_glass").exists()


def test_the_reason_view_passes_through_whoever_need_not_give_one(client, world):
    client.force_login(world.leader)
    family = world.site_family
    timeline = reverse("people:household_timeline", args=[family.pk])
    response = client.get(_reason_url(family, timeline))
    assert response.status_code == 302
    assert response["Location"] == timeline
    assert not AccessLog.objects.filter(action="break_glass").exists()


def test_the_reason_view_of_a_family_outside_ones_scope_is_404(client, world):
    client.force_login(world.liaison)
    response = client.post(_reason_url(world.foreign_family), {"reason": "Just curious, sorry"})
    assert response.status_code == 404
    assert not AccessLog.objects.filter(action="break_glass").exists()


def test_the_assignee_opens_their_concern_without_a_reason(client, world):
    from tests.concerns.factories import concern as make_concern

    family = world.site_family
    concern = make_concern(family, assignee=world.liaison)
    client.force_login(world.liaison)
    assert client.get(reverse("concerns:detail", args=[concern.pk])).status_code == 200


# --- the door as a function ----------------------------------------------------------------


def _request(user, session=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = session if session is not None else {}
    return request


def test_the_door_logs_only_when_asked_and_through_the_registered_recorder(world):
    request = _request(world.leader)
    family = world.site_family
    assert policy.open_household(request, family.pk) == family
    assert not AccessLog.objects.exists()
    policy.open_household(request, family.pk, log="messages")
    row = AccessLog.objects.get()
    assert (row.kind, row.action, row.household_id) == ("household", "messages", family.pk)


def test_the_door_raises_reason_needed_until_a_reason_is_given(world):
    request = _request(world.liaison)
    family = world.site_family
    with pytest.raises(policy.ReasonNeeded) as raised:
        policy.open_household(request, family.pk)
    assert raised.value.household == family
    policy.break_glass(request, family, "Mother called the office")
    assert policy.open_household(request, family.pk) == family
    assert policy.glass_reason(request, family) == "Mother called the office"


def test_a_page_rule_is_asked_before_the_reason(world):
    request = _request(world.liaison)
    with pytest.raises(Http404):
        policy.open_household(request, world.site_family.pk, also=lambda user, household: False)


def test_a_student_without_a_family_is_seen_but_never_changed(world):
    from tests import factories as f

    student = f.StudentFactory(household=None, district=world.district, family_name="Alone")
    request = _request(world.admin)
    assert policy.open_student(request, student.pk) == student
    with pytest.raises(Http404):
        policy.open_student(request, student.pk, Want.EDIT)


def test_an_invitation_of_a_walk_in_has_no_family_to_open(world):
    from liaison.events.models import Invitation
    from tests.events.factories import EventFactory

    event = EventFactory(district=world.district)
    invitation = Invitation.objects.create(event=event, walk_in_name="Ana")
    with pytest.raises(Http404):
        policy.open_invitation(_request(world.admin), invitation.pk)


# --- the one cache -------------------------------------------------------------------------


def test_within_a_request_each_question_goes_to_the_database_once(world, django_assert_num_queries):
    family = world.caseload_family
    with policy.answers_kept():
        policy.full_view(world.liaison, family)
        with django_assert_num_queries(0):
            assert policy.full_view(world.liaison, family)
            assert policy.access_for(world.liaison).is_liaison


def test_a_change_of_caseload_is_seen_once_the_answers_are_forgotten(world):
    from liaison.people.models import HouseholdAssignment

    family = world.caseload_family
    with policy.answers_kept():
        assert policy.on_caseload(world.liaison, family)
        HouseholdAssignment.objects.filter(household=family).delete()
        assert policy.on_caseload(world.liaison, family)  # kept for the request
        policy.forget(world.liaison)
        assert not policy.on_caseload(world.liaison, family)


def test_outside_a_request_nothing_is_kept(world):
    from liaison.people.models import HouseholdAssignment

    family = world.caseload_family
    assert policy.on_caseload(world.liaison, family)
    HouseholdAssignment.objects.filter(household=family).delete()
    policy.forget(world.liaison)  # nothing to forget: no error either
    assert not policy.on_caseload(world.liaison, family)


# --- core stays the bottom layer -----------------------------------------------------------


def test_the_policy_imports_no_app_module():
    found = []
    for path in POLICY.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{path.name}: {name}"
                for name in names
                if name.startswith("liaison.") and not name.startswith("liaison.core")
            ]
    assert not found


def test_a_liaison_who_also_teaches_elsewhere_may_not_open_a_taught_familys_shared_thread(world):
    from liaison.messaging.models import Conversation
    from liaison.messaging.services import conversation_for
    from liaison.people.choices import Role
    from tests import factories as f

    f.MembershipFactory(
        user=world.teacher, district=world.district, site=world.other_school, role=Role.LIAISON
    )
    shared = conversation_for(world.taught_family)
    own = conversation_for(world.taught_family, staff=world.teacher)
    # Their inbox lists the family's threads (the family is in their scope) ...
    assert {shared, own} <= set(Conversation.objects.visible_to(world.teacher))
    request = _request(world.teacher)
    policy.break_glass(request, world.taught_family, "Father asked me to call back")
    # ... but only their own thread opens: the shared one is for those who see the family in full.
    assert policy.open_thread(request, own.pk) == own
    with pytest.raises(Http404):
        policy.open_thread(request, shared.pk)
