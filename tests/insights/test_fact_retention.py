"""The contact and response facts stay bounded (issue #22.5): a refresh removes those no figure
reads any more, and keeps each family's last contact and last two-way contact however old."""

import datetime as dt

import time_machine

from liaison.concerns.models import Contact
from liaison.insights import services
from liaison.insights.choices import Dimension, Scope
from liaison.insights.models import ContactFact, HouseholdEngagement, ResponseFact
from liaison.messaging import services as messaging

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _family_wrote(household, days_ago):
    at = NOW - dt.timedelta(days=days_ago)
    with time_machine.travel(at, tick=False):
        messaging.record_family_reply(
            guardian=household.guardians.first(), body="Hola", channel="sms", received_at=at
        )
    return at


def _liaison_emailed(world, household, days_ago):
    at = NOW - dt.timedelta(days=days_ago)
    Contact.objects.create(
        household=household, kind="email", at=at, purpose="Newsletter", by=world.liaison
    )
    return at


def _facts(household):
    return sorted(
        ContactFact.objects.filter(household_id=household.pk).values_list("at", flat=True)
    )


def test_facts_older_than_every_figure_go_and_the_figures_stay_the_same(world):
    family = world.caseload_family
    _family_wrote(family, 800)
    _family_wrote(family, 500)
    recent = _family_wrote(family, 10)
    services.refresh_all(now=NOW)

    assert _facts(family) == [recent]
    assert list(ResponseFact.objects.values_list("received_at", flat=True)) == [recent]
    figures = services.figures(Scope.DISTRICT, world.district.pk)
    assert figures["reach_30"][Dimension.ALL]["all"] == 1 / 5
    engagement = HouseholdEngagement.objects.get(household_id=family.pk)
    assert engagement.last_two_way_at == recent


def test_a_family_last_heard_from_long_ago_keeps_that_date(world):
    family = world.site_family
    _family_wrote(family, 900)
    last = _family_wrote(family, 700)
    services.refresh_all(now=NOW)

    assert _facts(family) == [last]
    engagement = HouseholdEngagement.objects.get(household_id=family.pk)
    assert engagement.last_two_way_at == last
    assert engagement.last_contact_at == last


def test_the_last_two_way_contact_stays_behind_a_newer_one_way_contact(world):
    family = world.taught_family
    _family_wrote(family, 900)
    replied = _family_wrote(family, 600)
    _liaison_emailed(world, family, 550)
    emailed = _liaison_emailed(world, family, 500)
    services.refresh_all(now=NOW)

    # The newest one-way contact (the last contact) and the newest two-way one stay.
    assert _facts(family) == [replied, emailed]
    engagement = HouseholdEngagement.objects.get(household_id=family.pk)
    assert (engagement.last_two_way_at, engagement.last_contact_at) == (replied, emailed)


def test_facts_within_a_year_are_all_kept(world):
    family = world.other_site_family
    times = [_family_wrote(family, days) for days in (360, 200, 40)]
    services.refresh_all(now=NOW)

    assert _facts(family) == sorted(times)
    assert ResponseFact.objects.count() == 3
