"""Concern, referral and event metrics on a small data set whose answers were worked out by hand.

NOW is 20 Nov 2026 15:00 UTC; the period is the last 90 days, advocacy the last 365.
Alder Elementary (school) has the caseload, site and taught families; Birch Middle the other-site
and interpreted families.

Concerns (raised → resolved, family satisfied?):
  A caseload    academic    20 d ago → 10 d ago (240 h), yes
  B site        academic     5 d ago, open
  C other-site  transport   50 d ago → 48 d ago (48 h), not asked
  D taught      transport  200 d ago → 150 d ago         (outside the period; advocacy only)
  E interpreted attendance 100 d ago → 2 d ago (2352 h), not asked (resolved in, raised before)
Referrals: R1 caseload food need met (closed 10 d ago); R2 site food sent; R3 other-site housing
  closed need not met (20 d ago); R4 taught housing still only suggested.
Unmet needs with no service: U1 taught housing (15 d ago); U2 interpreted, unnamed (200 d ago).
Events: math night at Alder 10 d ago offering Spanish interpretation — caseload (es) said yes,
  came, asked for Spanish; site (vi) said yes, asked for Vietnamese; taught (ar) said no.
  A cancelled event and a future one do not count.
"""

import datetime as dt

import pytest

from liaison.concerns.models import Concern, ConcernCategory
from liaison.events.models import Event, Invitation
from liaison.insights import services
from liaison.insights.choices import Dimension, Scope
from liaison.resources.models import Referral, TaxonomyTerm, UnmetNeed

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def ago(days):
    return NOW - dt.timedelta(days=days)


def _concern(world, household, code, raised, resolved=None, satisfaction=""):
    category, _ = ConcernCategory.objects.get_or_create(
        district=world.district, code=code, defaults={"label": code.title()}
    )
    return Concern.objects.create(
        district=world.district,
        household=household,
        category=category,
        source="phone",
        description="Synthetic concern",
        due_at=ago(raised) + dt.timedelta(days=7),
        created_at=ago(raised),
        status="resolved" if resolved is not None else "new",
        resolved_at=ago(resolved) if resolved is not None else None,
        resolution_summary="Sorted out" if resolved is not None else "",
        satisfaction=satisfaction,
    )


def _referral(household, need, status, made, closed=None):
    return Referral.objects.create(
        household=household,
        need=need,
        service_name="Synthetic service",
        status=status,
        created_at=ago(made),
        closed_at=ago(closed) if closed is not None else None,
    )


@pytest.fixture
def data(world):
    _concern(world, world.caseload_family, "academic", 20, 10, "yes")
    _concern(world, world.site_family, "academic", 5)
    _concern(world, world.other_site_family, "transport", 50, 48)
    _concern(world, world.taught_family, "transport", 200, 150)
    _concern(world, world.interpreted_family, "attendance", 100, 2)

    food = TaxonomyTerm.objects.create(name="Food pantry")
    housing = TaxonomyTerm.objects.create(name="Housing help")
    _referral(world.caseload_family, food, "need_met", 30, 10)
    _referral(world.site_family, food, "sent", 5)
    _referral(world.other_site_family, housing, "need_not_met", 40, 20)
    _referral(world.taught_family, housing, "suggested", 3)
    UnmetNeed.objects.create(
        household=world.taught_family, need=housing, description="Rent help", created_at=ago(15)
    )
    UnmetNeed.objects.create(
        household=world.interpreted_family, description="Something", created_at=ago(200)
    )

    def event(days, **extra):
        return Event.objects.create(
            district=world.district,
            site=world.school,
            kind="workshop",
            title="Family math night",
            starts_at=ago(days),
            ends_at=ago(days) + dt.timedelta(hours=2),
            **extra,
        )

    night = event(10, interpretation=["es"])
    Invitation.objects.create(
        event=night,
        household=world.caseload_family,
        answer="yes",
        interpreter_language="es-MX",
        checked_in_at=ago(10),
    )
    Invitation.objects.create(
        event=night, household=world.site_family, answer="yes", interpreter_language="vi"
    )
    Invitation.objects.create(event=night, household=world.taught_family, answer="no")
    cancelled = event(5, status="cancelled")
    Invitation.objects.create(event=cancelled, household=world.other_site_family, answer="yes")
    future = event(-5)
    Invitation.objects.create(event=future, household=world.interpreted_family, answer="yes")

    services.refresh_all(now=NOW)
    world.food, world.housing = food, housing
    return world


def district(data):
    return services.figures(Scope.DISTRICT, data.district.pk)


def test_concerns_opened_and_resolved_by_category(data):
    f = district(data)
    assert f["concerns_opened"][Dimension.ALL]["all"] == 3  # A, B, C
    assert f["concerns_opened"][Dimension.CATEGORY] == {"academic": 2, "transport": 1}
    assert f["concerns_resolved"][Dimension.ALL]["all"] == 3  # A, C, E
    assert f["concerns_resolved"][Dimension.CATEGORY] == {
        "academic": 1,
        "transport": 1,
        "attendance": 1,
    }


def test_concerns_resolved_by_outcome(data):
    f = district(data)
    assert f["concerns_resolved"][Dimension.OUTCOME] == {"yes": 1, "no_answer": 2}


def test_time_to_resolve_by_category_and_outcome(data):
    f = district(data)
    assert f["concern_resolve_median"][Dimension.ALL]["all"] == pytest.approx(240)
    assert f["concern_resolve_p90"][Dimension.ALL]["all"] == pytest.approx(1929.6)  # 240+0.8×2112
    assert f["concern_resolve_median"][Dimension.OUTCOME]["no_answer"] == pytest.approx(1200)
    assert f["concern_resolve_median"][Dimension.CATEGORY]["transport"] == pytest.approx(48)


def test_concern_figures_per_site(data):
    school = services.figures(Scope.SITE, data.school.pk)
    assert school["concerns_opened"][Dimension.ALL]["all"] == 2  # A, B
    assert school["concerns_resolved"][Dimension.ALL]["all"] == 1  # A
    assert school["concern_resolve_median"][Dimension.ALL]["all"] == pytest.approx(240)
    caseload = services.figures(Scope.CASELOAD, data.liaison.pk)
    assert caseload["concerns_opened"][Dimension.ALL]["all"] == 1


def test_referrals_sent_closed_met_and_unmet_needs_by_category(data):
    f = district(data)
    food, housing = str(data.food.pk), str(data.housing.pk)
    assert f["referrals_sent"][Dimension.ALL]["all"] == 3  # R1, R2, R3 (R4 only suggested)
    assert f["referrals_sent"][Dimension.CATEGORY] == {food: 2, housing: 1}
    assert f["referrals_closed"][Dimension.ALL]["all"] == 2
    assert f["referrals_need_met"][Dimension.ALL]["all"] == 1
    assert f["referrals_need_met"][Dimension.CATEGORY] == {food: 1}
    assert f["unmet_needs"][Dimension.ALL]["all"] == 2  # R3 and U1; U2 is older than 90 days
    assert f["unmet_needs"][Dimension.CATEGORY] == {housing: 2}


def test_events_invited_rsvp_and_attended_by_language(data):
    f = district(data)
    assert f["event_invited"][Dimension.ALL]["all"] == 3
    assert f["event_invited"][Dimension.LANGUAGE] == {"es": 1, "vi": 1, "ar": 1}
    assert f["event_rsvp_yes"][Dimension.ALL]["all"] == 2
    assert f["event_attended"][Dimension.LANGUAGE] == {"es": 1}


def test_interpreter_requests_met(data):
    f = district(data)
    assert f["interpreter_requested"][Dimension.LANGUAGE] == {"es": 1, "vi": 1}
    assert f["interpreter_met"][Dimension.ALL]["all"] == 1
    assert f["interpreter_met"][Dimension.LANGUAGE] == {"es": 1}


def test_a_booked_interpreter_meets_the_request(data):
    from django.contrib.contenttypes.models import ContentType

    from liaison.language.models import Interpreter, InterpreterRequest

    night = Event.objects.get(status="scheduled", starts_at=ago(10))
    interpreter = Interpreter.objects.create(
        district=data.district, name="Synthetic Vietnamese interpreter", languages=["vi"]
    )
    InterpreterRequest.objects.create(
        district=data.district,
        household=data.site_family,
        language="vi",
        mode="in_person",
        purpose="event",
        starts_at=night.starts_at,
        content_type=ContentType.objects.get_for_model(Event),
        object_id=night.pk,
        status="assigned",
        interpreter=interpreter,
    )
    services.rebuild_rollups(district_id=data.district.pk, now=NOW)
    assert district(data)["interpreter_met"][Dimension.ALL]["all"] == 2


def test_advocacy_themes_cover_the_year_by_site(data):
    f = district(data)
    assert f["advocacy_concerns"][Dimension.CATEGORY] == {
        "academic": 2,
        "transport": 2,
        "attendance": 1,
    }
    assert f["advocacy_unmet"][Dimension.CATEGORY] == {str(data.housing.pk): 2, "unspecified": 1}
    school = services.figures(Scope.SITE, data.school.pk)
    assert school["advocacy_concerns"][Dimension.CATEGORY] == {"academic": 2, "transport": 1}


def test_the_dashboard_shows_concerns_referrals_and_events_with_charts(client, data):
    client.force_login(data.admin)
    html = client.get("/insights/").content.decode()
    for heading in ("Concerns, last 90 days", "Referrals and unmet needs", "Events, last 90 days"):
        assert heading in html
    assert "Concerns raised in the last 90 days, by category" in html  # the SVG's title
    assert "Housing help" in html and "Academic" in html
    assert "1 / 2" in html  # interpreter requests met, and referrals closed with the need met


def _snapshot(day):
    from liaison.insights.models import Rollup

    return {
        (r.scope, r.scope_id, r.metric, r.dimension, r.value): r.number
        for r in Rollup.objects.filter(day=day)
    }


def test_an_incremental_run_equals_a_full_rebuild(data):
    from django.utils import timezone

    from liaison.events.services import check_in

    b = Concern.objects.get(household=data.site_family)
    b.status, b.resolved_at, b.satisfaction = "resolved", ago(1), "no"
    b.resolution_summary = "Sorted out"
    b.save()
    r2 = Referral.objects.get(household=data.site_family)
    r2.status, r2.closed_at = "need_met", ago(2)
    r2.save()
    _concern(data, data.taught_family, "academic", 3)
    night = Event.objects.get(status="scheduled", starts_at=ago(10))
    # A check-in is written with update(), which leaves the invitation's updated_at alone.
    check_in(
        event=night, invitation=Invitation.objects.get(event=night, household=data.site_family)
    )

    services.refresh_all(now=NOW)
    incremental = _snapshot(timezone.localdate(NOW))
    f = district(data)
    assert f["concerns_resolved"][Dimension.OUTCOME] == {"yes": 1, "no": 1, "no_answer": 2}
    assert f["concerns_opened"][Dimension.ALL]["all"] == 4
    assert f["referrals_need_met"][Dimension.ALL]["all"] == 2
    assert f["event_attended"][Dimension.LANGUAGE] == {"es": 1, "vi": 1}

    services.refresh_all(now=NOW, full=True)
    assert _snapshot(timezone.localdate(NOW)) == incremental


def test_an_incremental_run_reads_only_the_rows_changed_since_the_last(data):
    from django.utils import timezone

    from liaison.insights import activity
    from liaison.insights.models import SourceCursor

    # As if the last run were a while ago, after every row of the data set was written.
    SourceCursor.objects.filter(name="activity").update(last_time=timezone.now() + activity.OVERLAP)
    assert activity.collect_activity(now=NOW) == 0
    SourceCursor.objects.filter(name="activity").update(last_time=timezone.now() + activity.OVERLAP)
    b = Concern.objects.get(household=data.site_family)
    b.status, b.resolved_at, b.resolution_summary = "resolved", ago(1), "Sorted out"
    b.save()
    assert activity.collect_activity(now=NOW) == 2  # that concern's facts: raised, resolved
    services.rebuild_rollups(district_id=data.district.pk, now=NOW)
    assert district(data)["concerns_resolved"][Dimension.ALL]["all"] == 4


def test_figures_over_each_period_of_the_picker(data):
    def opened(days):
        f = services.figures(Scope.DISTRICT, data.district.pk, period=days)
        return f["concerns_opened"][Dimension.ALL]["all"]

    assert opened(30) == 2  # A (20 days ago), B (5)
    assert opened(90) == 3  # and C (50)
    assert opened(365) == 5  # and D (200), E (100)
    last_30 = services.figures(Scope.DISTRICT, data.district.pk, period=30)
    assert last_30["concerns_resolved"][Dimension.OUTCOME] == {"yes": 1, "no_answer": 1}  # A, E
    assert last_30["referrals_need_met"][Dimension.ALL]["all"] == 1
    assert last_30["advocacy_concerns"][Dimension.CATEGORY]["transport"] == 2  # always the year


def test_the_dashboard_compares_the_chosen_period_with_the_one_before(client, data):
    services.rebuild_rollups(district_id=data.district.pk, now=ago(30))  # a month ago's run
    client.force_login(data.admin)
    html = client.get("/insights/", {"period": 30}).content.decode()
    assert "Concerns, last 30 days" in html
    assert '<option value="30" selected>Last 30 days</option>' in html
    # 30 to 60 days ago: C was raised and resolved; nobody was invited to an event.
    assert "Previous 30 days: 1" in html
    assert "Previous 30 days: 0" in html


def test_an_unknown_period_shows_the_default_and_no_history_shows_no_comparison(client, data):
    client.force_login(data.admin)
    html = client.get("/insights/", {"period": "7"}).content.decode()
    assert "Concerns, last 90 days" in html
    assert "Previous 90 days" not in html
