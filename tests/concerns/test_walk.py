"""A concern from the family portal to resolution, as the family, the liaison and the leader see it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services
from liaison.concerns.choices import Satisfaction, Source, Status
from liaison.concerns.models import Concern


def test_portal_concern_walks_through_assignment_mediation_and_resolution(client, world):
    household = world.caseload_family
    guardian = household.guardians.first()
    child = household.students.first()

    # The family raises it in the portal (the portal calls the service like this).
    concern = services.raise_concern(
        household=household,
        category="bullying_safety",
        description="Unos niños empujan a mi hijo en el autobús.",
        source=Source.PORTAL,
        raised_by=None,
        guardian=guardian,
        students=[child],
        urgency="high",
        contact_preference="Llamar después de las 5",
    )
    assert concern.language == guardian.preferred_language == "es"
    assert dt.timedelta(hours=71) < concern.due_at - concern.created_at <= dt.timedelta(hours=72)

    # It went straight to the family's liaison (their caseload); the site leader sees it too.
    concern.refresh_from_db()
    assert concern.assignee == world.liaison and concern.status == Status.ASSIGNED
    client.force_login(world.leader)
    queue = client.get(reverse("concerns:queue"), {"queue": "all"})
    assert f"#{concern.pk} " in queue.content.decode()

    # The liaison finds it in her queue, starts work and plans a mediation meeting.
    client.force_login(world.liaison)
    assert f"#{concern.pk} " in client.get(reverse("concerns:queue")).content.decode()
    assert (
        client.post(
            reverse("concerns:status", args=[concern.pk]), {"status": "in_progress"}
        ).status_code
        == 302
    )
    starts = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        reverse("concerns:meeting_new", args=[concern.pk]),
        {
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "Alder Elementary, counsellor's office",
            "language": "es",
            "interpreter": "",
            "guardians": [guardian.pk],
            "staff": [world.liaison.pk, world.leader.pk],
            "agenda": "Safety on the bus",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = concern.meetings.get()
    page = client.get(meeting.get_absolute_url())
    assert "Safety on the bus" in page.content.decode()

    # After the meeting: agreements and a follow-up action with an owner and a due date.
    response = client.post(
        meeting.get_absolute_url(),
        {
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "Alder Elementary, counsellor's office",
            "language": "es",
            "guardians": [guardian.pk],
            "staff": [world.liaison.pk, world.leader.pk],
            "agenda": "Safety on the bus",
            "agreements": "The driver seats the child at the front; the school calls weekly.",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("concerns:meeting_action", args=[meeting.pk]),
        {
            "description": "Weekly call to the family",
            "owner": world.leader.pk,
            "due_on": "2030-02-01",
        },
    )
    assert response.status_code == 302
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "The driver seats the child at the front" in page
    assert "Weekly call to the family" in page

    # Resolution without a summary is refused with the reason; with one it is accepted.
    refused = client.post(reverse("concerns:status", args=[concern.pk]), {"status": "resolved"})
    assert refused.status_code == 400
    assert "Say how the concern was resolved." in refused.content.decode()
    assert (
        client.post(
            reverse("concerns:status", args=[concern.pk]),
            {
                "status": "resolved",
                "outcome": "Bus seating changed",
                "resolution_summary": "Seat moved; no incidents for two weeks.",
            },
        ).status_code
        == 302
    )
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED and concern.resolved_at is not None

    # The family answers the satisfaction question (through the portal's service).
    services.record_satisfaction(concern=concern, answer=Satisfaction.YES, guardian=guardian)

    # The history tells the whole story, with who and when.
    page = client.get(concern.get_absolute_url()).content.decode()
    history = list(concern.changes.values_list("action", "by_name", "new"))
    actions = [a for a, _, _ in history]
    assert actions[0] == "raised" and history[0][1] == f"{guardian.full_name} (family)"
    assert ("assigned", "", str(world.liaison)) in history  # routed by the system
    assert "System" in page
    for expected in [
        "status",
        "meeting",
        "agreements",
        "follow_up_action",
        "resolution",
        "satisfaction",
    ]:
        assert expected in actions, expected
    assert ("status", str(world.liaison), Status.RESOLVED) in history  # shown in words:
    assert "→ Resolved" in page
    assert actions[-1] == "satisfaction"
    assert "Yes, resolved to our satisfaction" in page
    assert "Seat moved; no incidents for two weeks." in page


def test_invalid_transition_is_refused_with_the_allowed_moves(client, world):
    from tests.concerns import factories as cf

    concern = cf.concern(world.caseload_family)
    client.force_login(world.liaison)
    response = client.post(
        reverse("concerns:status", args=[concern.pk]), {"status": "waiting_family"}
    )
    assert response.status_code == 400
    assert Concern.objects.get(pk=concern.pk).status == Status.NEW
    # The form only offers the moves the machine allows.
    page = client.get(concern.get_absolute_url()).content.decode()
    assert 'value="waiting_family"' not in page and 'value="assigned"' in page


def test_closed_concern_can_be_reopened_and_gets_a_new_due_date(world):
    from tests.concerns import factories as cf

    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    services.change_status(
        concern=concern, status="closed", by=world.liaison, closed_reason="no_response"
    )
    reason = services.transition_refusal(Concern.objects.get(pk=concern.pk), "waiting_school")
    assert "cannot become" in reason and "In progress" in reason
    reopened = services.change_status(concern=concern, status="in_progress", by=world.liaison)
    assert reopened.status == Status.IN_PROGRESS and reopened.due_at > timezone.now()
    assert reopened.changes.filter(action="reopened").exists()


def test_access_to_a_concern_is_logged(client, world):
    from liaison.audit.models import AccessLog
    from tests.concerns import factories as cf

    concern = cf.concern(world.caseload_family)
    client.force_login(world.liaison)
    client.get(concern.get_absolute_url())
    client.get(reverse("concerns:detail_json", args=[concern.pk]))
    assert (
        AccessLog.objects.filter(kind="concern", object_id=concern.pk, user=world.liaison).count()
        == 2
    )


def _history(client, user, concern):
    client.force_login(user)
    html = client.get(concern.get_absolute_url()).content.decode()
    history = html[html.index('id="concern-history"') :]
    return history[: history.index("</ol>")]


def test_a_status_change_stored_as_its_code_reads_in_words_in_the_history(client, world):
    """The demo district writes a status change's values as codes ("waiting_family"); the
    history reads "New → Waiting on family", in the reader's language."""
    from liaison.concerns.models import ConcernChange
    from tests.concerns import factories as cf

    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    ConcernChange.objects.create(
        concern=concern,
        by=world.liaison,
        by_name=str(world.liaison),
        action="status",
        field="status",
        old=Status.NEW,
        new=Status.WAITING_FAMILY,
    )
    history = _history(client, world.liaison, concern)
    assert "<del>New</del> → Waiting on family" in history
    assert "waiting_family" not in history and "<del>new</del>" not in history


def test_a_meeting_and_a_follow_up_action_read_their_dates_as_the_locale_writes_them(client, world):
    """Not "2030-01-15 15:30" and "2030-02-01" but the reader's format."""
    from tests.concerns import factories as cf

    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    starts = timezone.make_aware(dt.datetime(2030, 1, 15, 15, 30))
    meeting = cf.meeting(concern, starts_at=starts)
    services.add_follow_up_action(
        meeting=meeting,
        description="Weekly call to the family",
        owner=world.leader,
        due_on=dt.date(2030, 2, 1),
        by=world.liaison,
    )
    history = _history(client, world.liaison, concern)
    assert "meeting → 1/15/30, 3:30\u202fPM · Alder Elementary, room 12" in history
    assert "Weekly call to the family — " in history and " — Feb 1, 2030" in history
    assert "2030-01-15" not in history and "2030-02-01" not in history
