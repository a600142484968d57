"""Today: one ordered queue of what needs the person, in their scope, acted on in place; and the
navigation's counts."""

import datetime as dt
import re
from html import unescape

from django.urls import reverse
from django.utils import timezone

from liaison.messaging import services as messaging
from liaison.worklist import services
from liaison.worklist.models import Task
from tests.concerns import factories as cf


def _rows(response) -> list[str]:
    """The queue's rows as a person reads them: each row's text, in order."""
    page = response.content.decode()
    if '<ol class="today"' not in page:
        return []
    block = page.split('<ol class="today"', 1)[1].split("</ol>", 1)[0]
    rows = re.findall(r"<li class=\"today-row.*?</li>", block, flags=re.S)
    return [unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r))).strip() for r in rows]


def _reply(world, household, body):
    guardian = household.guardians.first()
    return messaging.record_family_reply(guardian=guardian, body=body, channel="portal")


def test_today_orders_urgent_first_then_the_longest_wait(client, world):
    today = timezone.localdate()
    services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Send the housing form",
        due_on=today,
        by=world.liaison,
    )
    late = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Call about the bus",
        due_on=today,
        by=world.liaison,
    )
    Task.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=3))
    _reply(world, world.caseload_family, "¿Cuándo es la reunión?")
    cf.concern(world.caseload_family, assignee=world.liaison, urgency="high")
    client.force_login(world.liaison)
    rows = _rows(client.get("/"))
    assert rows[0].startswith("Urgent New concern: Bullying")
    assert "Call about the bus" in rows[1] and "Task overdue" in rows[1]
    assert "Send the housing form" in rows[2] and "Task due today" in rows[2]
    assert "Family message awaiting a reply" in rows[3] and "¿Cuándo es la reunión?" in rows[3]
    # Then what is only worth knowing: the families new this week (the world's, all just made).
    assert rows[4:] and all(row.startswith("New family this week") for row in rows[4:])


def test_today_shows_each_role_only_its_scope(client, world):
    today = timezone.localdate()
    for household in (world.caseload_family, world.other_site_family, world.foreign_family):
        _reply(world, household, f"Hello from {household.name}")
    services.create_task(
        owner=world.leader,
        household=world.caseload_family,
        title="Leader's own call",
        due_on=today,
        by=world.leader,
    )

    def seen(user):
        client.force_login(user)
        return " | ".join(_rows(client.get("/")))

    liaison = seen(world.liaison)
    assert "Caseload household" in liaison
    assert "Othersite" not in liaison and "Foreign" not in liaison
    assert "Leader's own call" not in liaison  # someone else's task

    leader = seen(world.leader)
    assert "Leader's own call" in leader and "Othersite" not in leader

    admin = seen(world.admin)
    assert "Othersite household" in admin and "Caseload household" in admin
    assert "Foreign" not in admin

    assert "Caseload" not in seen(world.interpreter)
    client.force_login(world.outsider)
    assert "Nothing needs you right now." in client.get("/").content.decode()


def test_a_task_is_done_in_place_and_the_navigation_hears_of_it(
    client, world, django_capture_on_commit_callbacks
):
    task = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Call back",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    client.force_login(world.liaison)
    counts = client.get(reverse("worklist:counts"))
    assert re.search(r'count-n">1</span> due today', counts.content.decode())
    # The counts are a live part (core/live.py): their poll is 304 until a task of hers changes.
    poll = unescape(re.search(r'hx-get="([^"]+)"', counts.content.decode()).group(1))
    assert client.get(poll).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("worklist:complete", args=[task.pk]),
            {"outcome": "She has the form."},
            HTTP_HX_REQUEST="true",
        )
    assert response["HX-Trigger"] == "today-changed"
    assert "Done: Call back" in response.content.decode()
    task.refresh_from_db()
    assert task.outcome == "She has the form."
    counts = client.get(poll)
    assert counts.status_code == 200
    assert re.search(r'count-n">0</span> due today', counts.content.decode())


def test_snoozing_to_a_past_day_says_what_is_wrong_and_keeps_the_task(client, world):
    task = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Call back",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    client.force_login(world.liaison)
    for bad in ["2020-01-01", "2026-02-31", "<script>"]:
        response = client.post(
            reverse("worklist:snooze", args=[task.pk]), {"until": bad}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "Choose a day after today." in text or "Enter a valid date." in text
        assert 'name="outcome"' in text  # the row and its forms are still there
    task.refresh_from_db()
    assert task.snoozed_until is None


def test_handing_a_task_over_moves_it_to_the_colleagues_today(client, world):
    task = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Visit the family",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    client.force_login(world.liaison)
    page = client.get("/").content.decode()
    assert f'<option value="{world.leader.username}">' in page
    response = client.post(
        reverse("worklist:reassign", args=[task.pk]), {"owner": world.leader.username}
    )
    assert response.status_code == 302
    assert "Visit the family" not in " ".join(
        _rows(client.get("/")) if Task.objects.filter(owner=world.liaison).exists() else []
    )
    client.force_login(world.leader)
    assert any("Visit the family" in row for row in _rows(client.get("/")))


def test_tasks_show_on_the_household_timeline(client, world):
    services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Bring the lunch form",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    client.force_login(world.liaison)
    response = client.get(reverse("people:household_timeline", args=[world.caseload_family.pk]))
    assert "Task: Bring the lunch form" in response.content.decode()


def test_the_family_record_exports_and_erases_its_tasks(world):
    from liaison.worklist import records

    services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Bring the lunch form",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    [row] = records.export_household(world.caseload_family)
    assert row["task"] == "Bring the lunch form"
    assert records.erase_household(world.caseload_family) == 1
    assert not Task.objects.exists()


def _cost(client, url="/"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.core.test_page_cost import just_seen

    client.get(url)
    just_seen(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response


def test_today_costs_the_same_queries_and_rows_however_long_the_queue(
    client, world, django_capture_on_commit_callbacks
):
    from liaison.worklist.views import SHOWN

    client.force_login(world.liaison)
    today = timezone.localdate()
    # One task to start with: the colleagues to hand tasks to are asked once the queue holds one.
    services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="First follow-up",
        due_on=today,
        by=world.liaison,
    )
    before, _page = _cost(client)
    # The queue grows well past a page: late follow-ups, pressing concerns, replies, new families.
    for i in range(SHOWN):
        services.create_task(
            owner=world.liaison,
            household=world.caseload_family,
            title=f"Follow-up {i}",
            due_on=today - dt.timedelta(days=i % 3),
            by=world.liaison,
        )
        cf.concern(world.caseload_family, assignee=world.liaison, urgency="high")
    with django_capture_on_commit_callbacks(execute=True):  # as its request commits
        _reply(world, world.caseload_family, "¿Hay clases mañana?")
    after, response = _cost(client)
    assert after == before
    rows = _rows(response)
    assert len(rows) == SHOWN
    total = 2 * SHOWN + 2 + sum(1 for r in _rows(client.get("/?all=1")) if "New family" in r)
    page = response.content.decode()
    assert f"{total} things need you" in page
    assert f'href="?all=1">Show all {total}</a>' in page
    # Everything is one click away, most pressing first all the same.
    everything = _rows(client.get("/?all=1"))
    assert len(everything) == total
    assert everything[:SHOWN] == rows
    assert "Show all" not in client.get("/?all=1").content.decode()


def _queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    return len(queries.captured_queries), response


def test_today_is_kept_between_visits_until_something_it_shows_changes(
    client, world, django_capture_on_commit_callbacks
):
    from liaison.people.models import HouseholdAssignment

    client.force_login(world.liaison)
    task = services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Bring the form",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    first, page = _queries(client)
    again, page_again = _queries(client)
    # Nothing changed: the queue kept from the first visit, no source asked again.
    assert again < first
    assert _rows(page_again) == _rows(page)
    assert any("Bring the form" in r for r in _rows(page_again))

    # A change made elsewhere in one statement (no model signal): shown on the next visit.
    Task.objects.filter(pk=task.pk).update(title="Bring the signed form")
    assert any("Bring the signed form" in r for r in _rows(client.get("/")))

    # A concern opened for the family by someone else, then a reply from the family.
    cf.concern(world.caseload_family, assignee=world.liaison, urgency="high")
    rows = _rows(client.get("/"))
    assert rows[0].startswith("Urgent")
    with django_capture_on_commit_callbacks(execute=True):  # as its request commits
        _reply(world, world.caseload_family, "¿A qué hora es la reunión?")
    assert any("awaiting a reply" in r for r in _rows(client.get("/")))

    # Who sees which family changed: the liaison now has another family with a task due.
    other = Task.objects.create(
        owner=world.liaison,
        district=world.district,
        household=world.other_site_family,
        title="Meet the new family",
        due_on=timezone.localdate(),
    )
    assert not any(other.title in r for r in _rows(client.get("/")))
    HouseholdAssignment.objects.create(
        household=world.other_site_family, staff=world.liaison, role="liaison"
    )
    assert any(other.title in r for r in _rows(client.get("/")))


def _tables_read(client) -> tuple[set[str], list[str]]:
    """The tables Today's request read, and its rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        rows = _rows(client.get("/"))
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    return set(re.findall(r'(?:FROM|JOIN) "(\w+)"', sql)), rows


def test_a_familys_text_asks_only_the_messages_again_the_rest_of_today_stays_kept(
    client, world, django_capture_on_commit_callbacks
):
    # Every family's text makes the queue stale; asking every source again made Today cost five
    # times a kept visit on a busy day, when texts come in every few seconds.
    client.force_login(world.liaison)
    services.create_task(
        owner=world.liaison,
        household=world.caseload_family,
        title="Bring the form",
        due_on=timezone.localdate(),
        by=world.liaison,
    )
    cf.concern(world.caseload_family, assignee=world.liaison, urgency="high")
    first, _ = _tables_read(client)
    assert {"worklist_task", "concerns_concern", "messaging_conversation"} <= first
    with django_capture_on_commit_callbacks(execute=True):  # as its request commits
        _reply(world, world.caseload_family, "¿A qué hora es la reunión?")
    read, rows = _tables_read(client)
    assert "messaging_conversation" in read
    assert not read & {"worklist_task", "concerns_concern"}
    assert any("¿A qué hora es la reunión?" in r for r in rows)
    assert any("Bring the form" in r for r in rows) and rows[0].startswith("Urgent")
    # A task done elsewhere: the tasks are asked again, and the threads are not.
    Task.objects.filter(title="Bring the form").update(title="Bring the signed form")
    read, rows = _tables_read(client)
    assert "worklist_task" in read and "messaging_conversation" not in read
    assert any("Bring the signed form" in r for r in rows)
