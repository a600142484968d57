"""Every view of a family record is logged; the log cannot be edited or deleted."""

import pytest
from django.http import HttpResponse
from django.urls import reverse

from liaison.audit.models import AccessLog, AppendOnlyError


def test_breaking_the_glass_opens_the_record_and_logs_the_reason(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.site_family.pk])
    response = client.post(url, {"reason": "Mother called the front office about a bus problem"})
    assert response.status_code == 302
    response = client.get(url)
    assert response.status_code == 200
    assert world.site_family.guardians.first().given_name.encode() in response.content
    entry = AccessLog.objects.filter(household_id=world.site_family.pk, action="break_glass").get()
    assert entry.username == "liaison"
    assert "bus problem" in entry.reason


def test_a_too_short_reason_is_refused(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.site_family.pk])
    response = client.post(url, {"reason": "x"})
    assert response.status_code == 200
    assert b"at least 5 characters" in response.content
    assert not AccessLog.objects.filter(action="break_glass").exists()


def test_viewing_a_family_record_is_logged(client, world):
    client.force_login(world.leader)
    guardian = world.site_family.guardians.first()
    client.get(reverse("people:guardian", args=[guardian.pk]))
    entry = AccessLog.objects.get(kind="guardian", object_id=guardian.pk)
    assert entry.username == "leader"
    assert entry.household_id == world.site_family.pk
    assert entry.ip == "127.0.0.1"


def test_the_access_log_is_append_only(client, world):
    client.force_login(world.admin)
    client.get(reverse("people:household", args=[world.caseload_family.pk]))
    entry = AccessLog.objects.get(kind="household")
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.update(reason="x")


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("people:household", args=[world.caseload_family.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_access_row_is_committed_before_the_page_leaves(transactional_db, world, rf):
    """No page with a family's record leaves the server unless its row is written: a worker killed
    right after sending the page can no longer lose it."""
    from liaison.audit.middleware import AccessLogMiddleware
    from liaison.audit.services import record_access

    seen = {}

    def view(request):
        record_access(request, kind="household", object_id=7, household_id=7)
        record_access(request, kind="guardian", object_id=8, household_id=7)
        seen["before"] = AccessLog.objects.filter(household_id=7).count()
        return HttpResponse("the record")

    request = rf.get("/people/households/7/")
    request.user = world.admin
    response = AccessLogMiddleware(view)(request)
    # Written when the view returned, before anything was sent and without closing the response.
    assert seen["before"] == 0
    assert AccessLog.objects.filter(household_id=7).count() == 2
    assert response.content == b"the record"


def test_a_view_that_fails_still_leaves_its_rows(transactional_db, world, rf):
    from liaison.audit.middleware import AccessLogMiddleware
    from liaison.audit.services import record_access

    def view(request):
        record_access(request, kind="household", object_id=9, household_id=9)
        raise RuntimeError("the page broke after reading the record")

    request = rf.get("/people/households/9/")
    request.user = world.admin
    with pytest.raises(RuntimeError):
        AccessLogMiddleware(view)(request)
    assert AccessLog.objects.filter(household_id=9).exists()


def test_the_household_page_logs_its_view(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("people:household", args=[world.site_family.pk]))
    assert response.status_code == 200
    assert AccessLog.objects.filter(household_id=world.site_family.pk, kind="household").exists()


def test_outside_a_request_cycle_the_row_is_written_at_once(world, rf):
    from liaison.audit.services import record_access

    request = rf.get("/")
    request.user = world.admin
    entry = record_access(request, kind="household", object_id=1, household_id=1)
    assert entry.pk is not None


def test_a_requests_single_row_is_written_whole(transactional_db, world, rf):
    """The usual request (one record viewed) writes its row with a plain INSERT, not Model.save():
    every column arrives as recorded, the time included."""
    from liaison.audit.middleware import AccessLogMiddleware
    from liaison.audit.services import record_access

    recorded = {}

    def view(request):
        recorded["entry"] = record_access(
            request,
            kind="guardian",
            object_id=31,
            household_id=12,
            action="break_glass",
            reason="Covering for a colleague",
        )
        return HttpResponse("the record")

    request = rf.get("/people/guardians/31/", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="10.1.2.3")
    request.user = world.leader
    AccessLogMiddleware(view)(request)
    row = AccessLog.objects.get(object_id=31)
    assert (row.kind, row.household_id, row.action, row.reason) == (
        "guardian",
        12,
        "break_glass",
        "Covering for a colleague",
    )
    assert (row.user_id, row.username) == (world.leader.pk, "leader")
    assert (row.path, row.ip, row.user_agent) == ("/people/guardians/31/", "10.1.2.3", "Firefox")
    assert row.at == recorded["entry"].at
