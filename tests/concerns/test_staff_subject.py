"""Concerns about a member of staff: never seen by the person they are about, in any role, and
routed around them (the liaison team and the site leader, or the district when it is about the
site leader). The URL-by-URL answer (404) is in the access matrix; these are the lists, the
timeline, the exports and the emails."""

import io
import json
import re
import zipfile

import pytest
from django.urls import reverse

from liaison.concerns import services
from liaison.concerns.models import Concern
from tests.access import SUBJECT_FAMILY, family
from tests.concerns import factories as cf
from tests.messaging.smtp import SMTPServer

WORDS = "La maestra le gritó a mi hijo delante de la clase."
NOTE = "Spoke with the family about the incident in class."
STAFF_ROLES = ["admin", "leader", "liaison", "teacher", "interpreter"]


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


def _told(smtp) -> dict[str, str]:
    """Who the SMTP server was given a message for: address -> the message as text."""
    return {
        rcpt: raw.decode("utf-8", "replace")
        for rcpts, raw in smtp.recorder.messages
        for rcpt in rcpts
    }


def _about(world, role, *, category="conflict_staff"):
    household = family(world, SUBJECT_FAMILY[role])
    concern = cf.concern(
        household, category=category, description=WORDS, subject_staff=getattr(world, role)
    )
    services.add_note(concern=concern, body=NOTE, by=world.admin if role != "admin" else None)
    return household, concern


def _pages(client, household, role):
    """Everything a person of this role may read about the family's concerns, as one text."""
    pages = [
        reverse("people:household", args=[household.pk]),
        reverse("people:household_timeline", args=[household.pk]),
    ]
    if role in ("admin", "leader", "liaison"):
        pages += [
            reverse("concerns:household", args=[household.pk]),
            reverse("concerns:contacts", args=[household.pk]),
            reverse("concerns:queue") + "?queue=all",
            reverse("concerns:queue") + "?queue=unassigned",
            reverse("concerns:queue") + "?queue=all&q=maestra",
        ]
    text = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text += response.content.decode()
    return text


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_subject_never_sees_the_concern_in_the_timeline_lists_queues_or_search(
    client, world, role
):
    household, concern = _about(world, role)
    client.force_login(getattr(world, role))
    seen = _pages(client, household, role)
    assert "maestra le grit" not in seen
    assert NOTE not in seen
    assert f"/concerns/{concern.pk}/" not in seen
    assert f"#{concern.pk} " not in seen

    # Someone else who works with the family sees it on the same pages.
    other = "leader" if role == "admin" else "admin"
    client.force_login(getattr(world, other))
    seen = _pages(client, household, other)
    assert "maestra le grit" in seen and NOTE in seen and f"/concerns/{concern.pk}/" in seen


@pytest.mark.parametrize("role", ["admin", "leader", "liaison"])
def test_the_family_record_export_made_by_the_subject_leaves_the_concern_out(client, world, role):
    household, _concern = _about(world, role)

    def export(user):
        client.force_login(user)
        response = client.post(
            reverse("audit:household_export", args=[household.pk]),
            {"recipient": "The family", "purpose": "Parent's request"},
        )
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            return zf.read("record.json").decode()

    assert "maestra le grit" not in export(getattr(world, role))
    other = "leader" if role == "admin" else "admin"
    whole = json.loads(export(getattr(world, other)))
    [entry] = [e for e in whole["sections"]["concerns"]["entries"] if e["type"] == "concern"]
    assert entry["description"] == WORDS


def test_a_conflict_with_staff_naming_nobody_is_kept_from_the_teacher_and_interpreter(
    client, world
):
    taught = cf.concern(world.taught_family, category="conflict_staff", description=WORDS)
    interpreted = cf.concern(world.interpreted_family, category="conflict_staff", description=WORDS)
    bullying = cf.concern(world.taught_family, description="Le quitan el almuerzo.")
    client.force_login(world.teacher)
    assert client.get(reverse("concerns:detail", args=[taught.pk])).status_code == 404
    assert client.get(reverse("concerns:detail", args=[bullying.pk])).status_code == 200
    timeline = client.get(reverse("people:household", args=[world.taught_family.pk]))
    assert "maestra" not in timeline.content.decode()
    assert "Le quitan el almuerzo." in timeline.content.decode()

    client.force_login(world.interpreter)
    assert client.get(reverse("concerns:detail", args=[interpreted.pk])).status_code == 404
    timeline = client.get(reverse("people:household", args=[world.interpreted_family.pk]))
    assert "maestra" not in timeline.content.decode()

    # The liaison team and the site leader handle it.
    client.force_login(world.leader)
    assert client.get(reverse("concerns:detail", args=[taught.pk])).status_code == 200
    client.force_login(world.liaison)
    assert client.get(reverse("concerns:detail", args=[taught.pk])).status_code == 302  # the glass


def test_a_concern_about_the_teacher_goes_to_the_liaison_and_the_site_leader_is_told(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = cf.concern(world.caseload_family, description=WORDS, subject_staff=world.teacher)
    concern.refresh_from_db()
    assert concern.assignee == world.liaison
    told = _told(smtp)
    assert set(told) == {world.leader.email}
    assert "Concern about a member of staff: Caseload household" in told[world.leader.email]
    assert f"/concerns/{concern.pk}/" in told[world.leader.email]


def test_a_concern_about_the_site_leader_goes_to_the_district(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = cf.concern(world.caseload_family, description=WORDS, subject_staff=world.leader)
    assert set(_told(smtp)) == {world.admin.email}
    concern.refresh_from_db()
    assert concern.assignee == world.liaison


def test_a_concern_about_the_familys_liaison_is_never_given_to_them(
    client, world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern = cf.concern(world.caseload_family, description=WORDS, subject_staff=world.liaison)
    concern.refresh_from_db()
    assert concern.assignee is None  # waits in the site liaison team's "unassigned" queue
    assert set(_told(smtp)) == {world.leader.email}

    # The leader cannot hand it to them: not offered, and refused if forced, with a message.
    client.force_login(world.leader)
    page = client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    offered = re.search(r'<select name="assignee".*?</select>', page, flags=re.S).group(0)
    assert f'<option value="{world.leader.pk}"' in offered
    assert f'<option value="{world.liaison.pk}"' not in offered
    response = client.post(
        reverse("concerns:assign", args=[concern.pk]), {"assignee": world.liaison.pk}
    )
    assert response.status_code == 400
    assert Concern.objects.get(pk=concern.pk).assignee is None

    # Nor does reassign-all move it to them.
    colleague = cf.colleague(world.district)
    services.assign_concern(concern=concern, assignee=colleague, by=world.leader)
    moved = services.reassign_all(from_user=colleague, to_user=world.liaison, by=world.leader)
    assert moved == 0
    assert Concern.objects.get(pk=concern.pk).assignee == colleague


def test_overdue_reminders_of_a_concern_about_staff_reach_its_assignee_not_its_subject(world, smtp):
    import datetime as dt

    from django.utils import timezone

    concern = cf.concern(world.caseload_family, description=WORDS, subject_staff=world.teacher)
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - dt.timedelta(hours=3))
    assert services.send_due_reminders() == 1
    told = _told(smtp)
    assert world.liaison.email in told and world.teacher.email not in told


def test_staff_name_the_subject_when_logging_a_concern_and_cannot_take_one_about_themselves(
    client, world
):
    client.force_login(world.liaison)
    url = reverse("concerns:new", args=[world.caseload_family.pk])
    form = client.get(url).content.decode()
    assert "About a member of staff (optional)" in form
    category = world.district.concern_categories.get(code="conflict_staff")
    data = {
        "category": category.pk,
        "source": "phone",
        "urgency": "normal",
        "description": WORDS,
        "language": "es",
        "assign_to_me": "on",
    }
    response = client.post(url, {**data, "subject_staff": world.liaison.pk})
    assert response.status_code == 200
    assert "A concern about someone cannot be assigned to them." in response.content.decode()
    assert not Concern.objects.exists()

    response = client.post(url, {**data, "subject_staff": world.teacher.pk})
    assert response.status_code == 302
    assert Concern.objects.get().subject_staff == world.teacher
    response = client.post(url, {**data, "subject_staff": "not-a-person"})
    assert response.status_code == 200 and Concern.objects.count() == 1

    # Taking down a complaint about oneself: recorded, and the person is sent back to the family.
    response = client.post(url, {**data, "subject_staff": world.liaison.pk, "assign_to_me": ""})
    assert response.status_code == 302
    assert response["Location"] == world.caseload_family.get_absolute_url()
    assert Concern.objects.filter(subject_staff=world.liaison).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "It is about you, so others will handle it." in page


def test_an_admin_marks_a_districts_own_category_as_about_staff(client, world):
    client.force_login(world.admin)
    url = reverse("concerns:settings")
    client.post(url, {"action": "add", "district": world.district.pk, "label": "Coach conduct"})
    category = world.district.concern_categories.get(code="coach-conduct")
    assert not category.about_staff
    concern = cf.concern(world.taught_family, category=category, description=WORDS)
    client.force_login(world.teacher)
    assert client.get(reverse("concerns:detail", args=[concern.pk])).status_code == 200

    client.force_login(world.admin)
    page = client.get(url).content.decode()
    assert "About staff: kept from teachers and interpreters" in page  # the standard one
    client.post(
        url, {"action": "about_staff", "district": world.district.pk, "category": category.pk}
    )
    client.force_login(world.teacher)
    assert client.get(reverse("concerns:detail", args=[concern.pk])).status_code == 404


def test_notices_to_the_family_about_the_concern_are_kept_from_its_subject(client, world):
    """The satisfaction question and a meeting's agreed summary show on the household timeline
    (messages): never to the person the concern is about."""
    concern = cf.concern(
        world.caseload_family,
        category="conflict_staff",
        description=WORDS,
        subject_staff=world.liaison,
        assignee=world.leader,
    )
    meeting = cf.meeting(concern)
    services.update_meeting(
        meeting=meeting, by=world.leader, agreements="The liaison apologises to Marco on Monday."
    )
    assert services.send_meeting_summary(meeting=meeting, by=world.leader)
    services.change_status(
        concern=concern, status="resolved", by=world.leader, resolution_summary="Apology made."
    )
    concern.refresh_from_db()
    assert services.ask_satisfaction(concern=concern, by=world.leader)
    ordinary = cf.concern(world.caseload_family, category="transport", assignee=world.leader)
    services.change_status(
        concern=ordinary, status="resolved", by=world.leader, resolution_summary="Bus moved."
    )
    ordinary.refresh_from_db()
    assert services.ask_satisfaction(concern=ordinary, by=world.leader)

    url = reverse("people:household", args=[world.caseload_family.pk])
    client.force_login(world.liaison)
    page = client.get(url).content.decode()
    assert "apologises to Marco" not in page and "What we agreed at our meeting" not in page
    assert "about Conflict with staff" not in page
    assert "about Transport" in page  # the family's other concern: as before
    client.force_login(world.admin)
    page = client.get(url).content.decode()
    assert "apologises to Marco" in page and "about Conflict with staff" in page


def test_the_leader_is_told_in_their_own_language_not_the_familys(
    world, smtp, django_capture_on_commit_callbacks
):
    from django.utils import translation

    world.leader.interface_language = "es"
    world.leader.save(update_fields=["interface_language"])
    with translation.override("vi"), django_capture_on_commit_callbacks(execute=True):
        cf.concern(world.caseload_family, description=WORDS, subject_staff=world.teacher)
    told = _told(smtp)[world.leader.email]
    assert "Inquietud sobre un miembro del personal" in told
    assert "Concern about a member of staff" not in told


def test_a_family_message_made_into_a_concern_about_staff_is_kept_from_its_subject(client, world):
    """The family's own words about a member of staff, written on the thread and made a concern
    about them, are the concern: its subject reads them nowhere (the household page's latest
    messages, its timeline, the thread), while the family's other messages stay in view."""
    from liaison.messaging import services as messaging

    guardian = world.caseload_family.guardians.first()
    about = messaging.record_family_reply(
        guardian=guardian, body="El enlace nos habló con desprecio en la reunión.", channel="portal"
    )
    messaging.record_family_reply(
        guardian=guardian, body="¿A qué hora es la feria?", channel="portal"
    )
    concern = services.raise_concern_from_message(
        message=about, by=world.leader, category="conflict_staff", assignee=world.leader
    )
    Concern.objects.filter(pk=concern.pk).update(subject_staff=world.liaison)

    household_page = reverse("people:household", args=[world.caseload_family.pk])
    thread = reverse("messaging:conversation", args=[about.conversation_id])
    client.force_login(world.liaison)
    for url in (
        household_page,
        reverse("people:household_timeline", args=[world.caseload_family.pk]),
        thread,
    ):
        page = client.get(url).content.decode()
        assert "nos habl" not in page, url
        assert f"#{concern.pk}" not in page, url
    assert "la feria" in client.get(household_page).content.decode()
    assert "la feria" in client.get(thread).content.decode()

    client.force_login(world.admin)
    assert "nos habl" in client.get(household_page).content.decode()
    assert "nos habl" in client.get(thread).content.decode()
