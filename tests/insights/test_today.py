"""Today's at-risk rows: the families on the liaison's caseload that the at-risk list flags, saying
why in words and offering the call that starts outreach, after what is urgent or due."""

import re
from html import unescape

from django.urls import reverse
from django.utils import timezone

from liaison.concerns.models import Concern
from liaison.insights import services as insights
from liaison.worklist import services as worklist
from tests.worklist.test_today import _rows


def test_a_caseload_family_never_reached_is_on_today_after_the_due_task_with_a_call_to_start(
    client, world
):
    worklist.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Send the housing form",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    insights.refresh_all()
    client.force_login(world.liaison)
    response = client.get("/")
    rows = _rows(response)
    at_risk = [i for i, row in enumerate(rows) if row.startswith("At risk")]
    assert at_risk, rows
    row = rows[at_risk[0]]
    assert "No two-way contact on record" in row and "Caseload household" in row
    assert "Start outreach" in row
    task = next(i for i, row in enumerate(rows) if "Send the housing form" in row)
    assert task < at_risk[0]
    # Start outreach opens the contact log's form with a call to the family's guardian filled in.
    page = response.content.decode()
    link = unescape(re.search(r'href="([^"]+)">Start outreach<', page).group(1))
    guardian = world.caseload_family.guardians.order_by("family_name", "given_name", "pk").first()
    assert link == (
        reverse("concerns:contacts", args=[world.caseload_family.pk])
        + f"?kind=call&guardian={guardian.pk}"
    )
    form = client.get(link).content.decode()
    assert 'value="call" selected' in form or 'value="call" checked' in form
    # Families off the caseload, never reached too, are not the liaison's at-risk rows.
    assert all("Sitefamily" not in r for r in rows if r.startswith("At risk"))


def test_at_risk_rows_come_after_an_urgent_concern_and_say_each_reason(client, world):
    from tests.concerns import factories as cf

    cf.concern(world.caseload_family, assignee=world.liaison, urgency="urgent")
    Concern.objects.filter(household=world.caseload_family).update(
        due_at=timezone.now() - timezone.timedelta(hours=3)
    )
    insights.refresh_all()
    client.force_login(world.liaison)
    rows = _rows(client.get("/"))
    assert rows[0].startswith("Urgent"), rows
    [row] = [r for r in rows if r.startswith("At risk")]
    assert "No two-way contact on record" in row
    assert "1 urgent concern open past its target" in row


def test_an_urgent_concern_about_the_liaison_does_not_flag_the_family_on_their_today(client, world):
    from liaison.messaging import services as messaging
    from tests.concerns import factories as cf

    messaging.record_family_reply(
        guardian=world.caseload_family.guardians.first(), body="Hola", channel="sms"
    )
    concern = cf.concern(world.caseload_family, urgency="urgent", subject_staff=world.liaison)
    Concern.objects.filter(pk=concern.pk).update(
        due_at=timezone.now() - timezone.timedelta(hours=3)
    )
    insights.refresh_all()
    client.force_login(world.liaison)
    assert not [r for r in _rows(client.get("/")) if r.startswith("At risk")]
    # The same family's overdue urgent concern about someone else does flag it.
    Concern.objects.filter(pk=concern.pk).update(subject_staff=world.leader)
    assert [r for r in _rows(client.get("/")) if r.startswith("At risk")]


def test_only_liaisons_get_at_risk_rows_and_only_for_their_caseload(client, world):
    insights.refresh_all()
    client.force_login(world.leader)
    assert not [r for r in _rows(client.get("/")) if r.startswith("At risk")]
    client.force_login(world.liaison)
    flagged = [r for r in _rows(client.get("/")) if r.startswith("At risk")]
    assert len(flagged) == 1 and "Caseload household" in flagged[0]
