"""The cron commands the docs give for reminders and the insights rollups do their work."""

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone

from liaison.events import services
from liaison.events.choices import Answer
from liaison.events.models import Notice
from liaison.insights.models import Rollup
from tests.events.factories import EventFactory


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_event_reminders_sends_the_due_reminder_once_however_often_cron_runs_it(world):
    start = timezone.now() + dt.timedelta(hours=20)
    event = EventFactory(
        district=world.district,
        site=world.school,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    [inv] = services.invite_households(event=event, households=[world.caseload_family], send=False)
    services.respond(invitation=inv, answer=Answer.YES)
    assert run("event_reminders") == "1 event reminder(s) sent.\n"
    assert run("event_reminders") == "0 event reminder(s) sent.\n"
    assert Notice.objects.filter(invitation=inv, key="reminder-1440").count() == 1


def test_refresh_insights_builds_the_rollups_the_dashboards_read(world):
    assert not Rollup.objects.filter(district_id=world.district.pk).exists()
    out = run("refresh_insights")
    assert out.startswith("Insights refreshed:")
    assert Rollup.objects.filter(district_id=world.district.pk).exists()
    assert run("refresh_insights", "--full").startswith("Insights rebuilt:")
