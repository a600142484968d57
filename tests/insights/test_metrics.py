"""Each metric on a small data set whose answers were worked out by hand.

Testville, five active households (languages in brackets):
  caseload (es):    family wrote 10 and 3 days ago; staff replied after 1 h and 10 h
  other_site (so):  family wrote 5 days ago; staff replied after 2 h
  site (vi):        family wrote 70 days ago, no reply
  taught (ar):      never wrote; the one message sent to them failed
  interpreted (ar): never wrote, never sent anything
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from liaison.core import kept
from liaison.insights import metrics, services
from liaison.insights.choices import Dimension, Scope
from liaison.messaging import services as messaging
from liaison.messaging.models import Delivery

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _reply(household, days_ago, staff, after_hours=None):
    guardian = household.guardians.first()
    at = NOW - dt.timedelta(days=days_ago)
    with time_machine.travel(at, tick=False):
        messaging.record_family_reply(
            guardian=guardian, body="Hola, tengo una pregunta", channel="sms", received_at=at
        )
    if after_hours is not None:
        with time_machine.travel(at + dt.timedelta(hours=after_hours), tick=False):
            messaging.send_message(
                household=household, body="Thanks, I will call you today.", by=staff
            )


@pytest.fixture
def data(world):
    _reply(world.caseload_family, 10, world.liaison, after_hours=1)
    _reply(world.caseload_family, 3, world.liaison, after_hours=10)
    _reply(world.other_site_family, 5, world.admin, after_hours=2)
    _reply(world.site_family, 70, world.liaison)
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        messaging.send_message(
            household=world.taught_family, body="Can we meet on Tuesday?", by=world.leader
        )
    sms = Delivery.objects.filter(channel="sms").order_by("id")
    Delivery.objects.filter(pk=sms[0].pk).update(state="sent", sent_at=NOW - dt.timedelta(days=9))
    Delivery.objects.filter(pk=sms[1].pk).update(state="sent", sent_at=NOW - dt.timedelta(days=3))
    Delivery.objects.filter(pk=sms[2].pk).update(state="sent", sent_at=NOW - dt.timedelta(days=5))
    Delivery.objects.filter(household_id_copy=world.taught_family.pk).update(
        state="failed", updated_at=NOW
    )
    services.refresh_all(now=NOW)
    return world


def test_reach_in_30_and_90_days(data):
    figures = services.figures(Scope.DISTRICT, data.district.pk)
    assert figures["households"][Dimension.ALL]["all"] == 5
    assert figures["reach_30"][Dimension.ALL]["all"] == pytest.approx(2 / 5)
    assert figures["reach_90"][Dimension.ALL]["all"] == pytest.approx(3 / 5)


def test_reach_per_language_site_and_caseload(data):
    district = services.figures(Scope.DISTRICT, data.district.pk)
    assert district["reach_30"][Dimension.LANGUAGE] == {"es": 1.0, "so": 1.0, "vi": 0.0, "ar": 0.0}
    assert district["unreached"][Dimension.LANGUAGE]["ar"] == 2
    school = services.figures(Scope.SITE, data.school.pk)
    assert school["households"][Dimension.ALL]["all"] == 3
    assert school["reach_90"][Dimension.ALL]["all"] == pytest.approx(2 / 3)
    caseload = services.figures(Scope.CASELOAD, data.liaison.pk)
    assert caseload["households"][Dimension.ALL]["all"] == 1
    assert caseload["reach_30"][Dimension.ALL]["all"] == 1.0


def test_unreached_uses_the_districts_number_of_days(data):
    figures = services.figures(Scope.DISTRICT, data.district.pk)
    assert figures["unreached"][Dimension.ALL]["all"] == 3  # site (70 days), taught, interpreted
    from liaison.insights.models import AtRiskRules

    AtRiskRules.objects.create(district=data.district, no_contact_days=90)
    services.rebuild_rollups(district_id=data.district.pk, now=NOW)
    assert (
        services.figures(Scope.DISTRICT, data.district.pk)["unreached"][Dimension.ALL]["all"] == 2
    )


def test_households_whose_every_channel_fails(data):
    figures = services.figures(Scope.DISTRICT, data.district.pk)
    assert figures["all_channels_failing"][Dimension.ALL]["all"] == 1
    behind = list(
        services.households_behind(
            user=data.admin,
            scope=Scope.DISTRICT,
            scope_id=data.district.pk,
            metric="all_channels_failing",
        )
    )
    assert behind == [data.taught_family]


def test_time_to_first_staff_reply(data):
    figures = services.figures(Scope.DISTRICT, data.district.pk)
    assert figures["response_median"][Dimension.ALL]["all"] == pytest.approx(2.0)
    assert figures["response_p90"][Dimension.ALL]["all"] == pytest.approx(8.4)  # 2 + 0.8 × (10 − 2)
    assert figures["responses"][Dimension.ALL]["all"] == 3


def test_delivery_failure_rate_by_channel_and_translation_coverage(data):
    figures = services.figures(Scope.DISTRICT, data.district.pk)
    # four SMS deliveries in the period: three sent, the taught family's failed
    assert figures["delivery_failure_rate"][Dimension.CHANNEL]["sms"] == pytest.approx(1 / 4)
    assert figures["translation_untranslated"][Dimension.LANGUAGE]["es"] == 2


def test_the_dashboard_names_each_channel_of_its_delivery_failures_in_words(client, data):
    """The delivery table's rows by channel read "Text message", not the stored "sms"."""
    client.force_login(data.admin)
    html = client.get("/insights/").content.decode()
    table = html[html.index('id="delivery-title"') :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">Text message</th><td>25%</td>' in table
    assert ">sms<" not in table


def test_the_unreached_list_is_least_recently_reached_first(data):
    behind = list(
        services.households_behind(
            user=data.admin, scope=Scope.DISTRICT, scope_id=data.district.pk, metric="unreached"
        )
    )
    assert set(behind) == {data.site_family, data.taught_family, data.interpreted_family}
    assert behind[-1] == data.site_family  # reached once, 70 days ago: after the never-reached


def test_new_facts_are_collected_incrementally(data):
    first = services.collect_facts()
    assert first == set()  # nothing new since the refresh
    _reply(data.interpreted_family, 1, data.admin)
    assert services.collect_facts() == {data.interpreted_family.pk}


def test_percentile_matches_spreadsheets():
    assert metrics.percentile([1, 2, 10], 90) == pytest.approx(8.4)
    assert metrics.percentile([], 50) is None
    assert metrics.median([3.0]) == 3.0


# The raw history the rollups are made from: messages and deliveries, concerns and contacts,
# referrals and needs, RSVPs and bookings (reference data such as categories and the directory of
# services is not history).
RAW_HISTORY = {
    "messaging": [
        "Conversation",
        "ConversationRead",
        "Message",
        "Rendering",
        "Attachment",
        "Delivery",
        "UnmatchedInbound",
    ],
    "concerns": [
        "Concern",
        "ConcernChange",
        "ConcernNote",
        "MediationMeeting",
        "FollowUpAction",
        "Contact",
        "Reminder",
    ],
    "resources": ["Referral", "ReferralEvent", "UnmetNeed", "ServiceFeedback"],
    "events": ["Invitation", "Notice", "ConferenceSlot", "GroupMember"],
}


def _raw_history_tables() -> set[str]:
    from django.apps import apps

    tables = set()
    for label, names in RAW_HISTORY.items():
        for name in names:
            model = apps.get_model(label, name)
            tables.add(model._meta.db_table)
            tables |= {f.m2m_db_table() for f in model._meta.local_many_to_many}
    return tables


def _tables_read(queries, tables) -> set[str]:
    import re

    read = set()
    for query in queries:
        sql = query["sql"].lower()
        read |= {t for t in tables if re.search(rf'(?<![a-z0-9_])"?{t}"?(?![a-z0-9_])', sql)}
    return read


def test_rollups_never_read_raw_history_in_a_request(client, data, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from liaison.messaging.models import Message

    raw = _raw_history_tables()
    assert {Message._meta.db_table, Delivery._meta.db_table} <= raw
    client.force_login(data.admin)
    # The dashboard is kept for its reader (core/kept.py): measured drawn afresh, as after a
    # refresh, once the cache holds the versions its stamp reads (the first visit ever draws them:
    # a few queries each on the database cache, none on Redis).
    client.get("/insights/")
    kept.changed()
    with django_assert_max_num_queries(25):
        response = client.get("/insights/")
    assert response.status_code == 200
    assert timezone.localdate() >= NOW.date()
    site = ("site", data.school.pk)
    pages = [
        ("/insights/", {}),
        ("/insights/", {"scope": "site", "scope_id": data.school.pk, "period": "90"}),
        ("/insights/", {"scope": "caseload", "scope_id": data.liaison.pk, "period": "365"}),
        (reverse("insights:advocacy"), {}),
        (reverse("insights:summary_pdf"), {}),
        (reverse("insights:households"), {"metric": "unreached"}),
        (reverse("insights:households"), {"metric": "reach_30", "format": "csv"}),
        (reverse("insights:call_list"), {"metric": "unreached"}),
    ]
    for url, params in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        assert captured.captured_queries, url  # the capture saw the page's queries
        assert _tables_read(captured.captured_queries, raw) == set(), (url, params)
    # The at-risk list is a working list, not a dashboard: its one live rule (an urgent concern open
    # past its target, which a rollup would report late) reads the concerns table, and only that.
    from liaison.concerns.models import Concern

    for params in ({}, {"scope": site[0], "scope_id": site[1]}):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("insights:at_risk"), params)
        assert response.status_code == 200
        assert _tables_read(captured.captured_queries, raw) <= {Concern._meta.db_table}
    # The check would see a raw table if a page read one.
    with CaptureQueriesContext(connection) as captured:
        list(Message.objects.all()[:1])
    assert _tables_read(captured.captured_queries, raw) == {Message._meta.db_table}


def test_a_logged_call_and_an_event_check_in_count_as_reaching_the_family(world):
    from liaison.concerns.models import Contact
    from liaison.events.models import Event, Invitation

    Contact.objects.create(
        household=world.taught_family,
        kind="call",
        at=NOW - dt.timedelta(days=4),
        purpose="Attendance follow-up",
        by=world.liaison,
    )
    Contact.objects.create(
        household=world.site_family,
        kind="email",
        at=NOW - dt.timedelta(days=4),
        purpose="Sent the newsletter",
        by=world.liaison,
    )
    event = Event.objects.create(
        district=world.district,
        site=world.school,
        kind="workshop",
        title="Family math night",
        starts_at=NOW - dt.timedelta(days=6),
        ends_at=NOW - dt.timedelta(days=6) + dt.timedelta(hours=2),
    )
    Invitation.objects.create(
        event=event, household=world.interpreted_family, checked_in_at=NOW - dt.timedelta(days=6)
    )
    services.refresh_all(now=NOW)
    figures = services.figures(Scope.DISTRICT, world.district.pk)
    assert figures["reach_30"][Dimension.ALL]["all"] == pytest.approx(
        2 / 5
    )  # the call and the check-in
    assert (
        figures["reach_30"][Dimension.LANGUAGE]["vi"] == 0.0
    )  # an email the liaison sent is one-way


def _engagement_rows():
    from liaison.insights.models import HouseholdDimension, HouseholdEngagement

    engaged = set(
        HouseholdEngagement.objects.values_list(
            "household_id", "last_two_way_at", "last_delivered_at", "all_channels_failing"
        )
    )
    dims = set(HouseholdDimension.objects.values_list("engagement_id", "dimension", "value"))
    return engaged, dims


def test_refreshing_some_households_or_all_gives_the_same_rows(data, monkeypatch):
    everyone = [data.caseload_family.pk, data.site_family.pk, data.taught_family.pk]
    services.refresh_engagement(now=NOW)
    full = _engagement_rows()
    services.refresh_engagement(everyone, now=NOW)  # in chunks of the given households
    assert _engagement_rows() == full
    # Past the threshold (a bulk import) a given set is refreshed in one pass over every household.
    monkeypatch.setattr(services, "FULL_REFRESH_ABOVE", 1)
    assert services.refresh_engagement(everyone, now=NOW) > len(everyone)
    assert _engagement_rows() == full
    assert (data.taught_family.pk, None, None, True) in full[0]  # its one delivery failed


def test_a_student_not_yet_in_a_household_is_left_out_of_the_households_figures(data):
    """An attendance or roster file can name a student before any guardian is known: the refresh
    counts the households it knows and does not fail on the one it does not."""
    from liaison.insights.models import HouseholdDimension
    from liaison.people.models import Enrolment, Student, StudentProgramme

    before = set(HouseholdDimension.objects.values_list("engagement_id", "dimension", "value"))
    orphan = Student.objects.create(
        district=data.district, given_name="Noor", family_name="Solo", grade="11"
    )
    StudentProgramme.objects.create(student=orphan, programme="foster_care")
    Enrolment.objects.create(student=orphan, site=data.school, starts_on=NOW.date())
    services.refresh_engagement(now=NOW)
    after = set(HouseholdDimension.objects.values_list("engagement_id", "dimension", "value"))
    assert after == before
