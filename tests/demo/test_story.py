"""The demo's year of history reads like a real district's, through the same queries the pages use.

The demo is built once for the module (600 households, the percentages hold at this size) inside a
transaction that is rolled back at the end, so the other modules' tests never see it.
"""

import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from liaison.concerns.models import Contact
from liaison.demo import district as demo
from liaison.insights import advocacy, atrisk, services
from liaison.insights.choices import Scope
from liaison.people.models import District, Household, Site, Student, User

HOUSEHOLDS, STUDENTS = 600, 900

# One worker takes the module (pytest-xdist): the demo is built once, not once a worker.
pytestmark = pytest.mark.xdist_group("demo-story")


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", if_empty=True, households=HOUSEHOLDS, students=STUDENTS)
        yield District.objects.get(slug=demo.DEMO_SLUG)
        transaction.set_rollback(True)


def _figure(district, metric, dimension="all", value="all"):
    return services.figures(Scope.DISTRICT, district.pk)[metric][dimension][value]


def test_the_at_risk_list_holds_a_few_percent_of_households(district, db):
    admin = User.objects.get(username="admin")
    listed = atrisk.at_risk_households(
        user=admin, scope=Scope.DISTRICT, scope_id=district.pk, district_id=district.pk
    )
    households = Household.objects.filter(district=district, is_active=True).count()
    assert households == HOUSEHOLDS
    assert 0.02 <= listed.count() / households <= 0.10
    # Ranked: those the school has heard from least recently (or never) come first.
    seen = [h.last_two_way_at for h in listed if not h.overdue_urgent and not h.all_failing]
    assert seen == sorted(seen, key=lambda at: (at is not None, at))


def test_reach_in_90_days_is_between_half_and_most_households(district, db):
    assert 0.50 <= _figure(district, "reach_90") <= 0.85
    assert _figure(district, "reach_30") < _figure(district, "reach_90")


def test_the_families_not_reached_are_concentrated_in_two_languages_and_one_site(district, db):
    by_language = services.figures(Scope.DISTRICT, district.pk)["reach_90"]["language"]
    assert by_language["es"] < by_language["en"] - 0.15
    assert by_language["ht"] < by_language["en"] - 0.15
    by_site = services.figures(Scope.DISTRICT, district.pk)["reach_90"]["site"]
    eastside = Site.objects.get(district=district, name="Eastside High School")
    riverside = Site.objects.get(district=district, name="Riverside Elementary School")
    assert by_site[str(eastside.pk)] < by_site[str(riverside.pk)] - 0.05


def test_the_first_insights_visit_shows_todays_figures(district, client):
    client.force_login(User.objects.get(username="admin"))
    response = client.get(reverse("insights:dashboard"))
    assert response.status_code == 200
    assert response.context["latest"] == timezone.localdate() and not response.context["stale"]
    tiles = {str(tile["label"]): tile["value"] for tile in response.context["tiles"]}
    assert tiles["Households"] == HOUSEHOLDS
    assert "Figures are being prepared" not in response.content.decode()
    concerns = response.context["concerns"]
    assert concerns, "the concerns panel has figures"


def test_the_advocacy_summary_shows_themes_with_more_than_ten_families(district, db):
    sites = list(Site.objects.filter(district=district).values_list("pk", "name"))
    tables = advocacy.summary(district_id=district.pk, sites=sites, with_district=True)
    themes = {label: cells for label, cells in tables[0].rows[:-1]}
    shown = [int(c) for cells in themes.values() for c in cells if c.isdigit()]
    assert max(shown) > 10
    assert "<10" in {c for cells in themes.values() for c in cells}  # small counts stay hidden


def test_the_year_has_calls_visits_replies_and_check_ins(district, db):
    from liaison.events.models import Invitation
    from liaison.messaging.models import Message

    kinds = set(Contact.objects.values_list("kind", flat=True))
    assert {"call", "home_visit", "meeting", "walk_in", "text"} <= kinds
    oldest = Contact.objects.order_by("at").first().at
    assert (timezone.now() - oldest).days > 200
    assert Message.objects.filter(direction="in", district=district).count() > HOUSEHOLDS // 4
    assert Invitation.objects.filter(checked_in_at__isnull=False).count() > HOUSEHOLDS // 10


def test_the_demo_builds_again_with_if_empty_without_changing_anything(district, db, capsys):
    contacts = Contact.objects.count()
    call_command("demo", if_empty=True, households=HOUSEHOLDS, students=STUDENTS)
    call_command("demo", if_empty=True, households=HOUSEHOLDS, students=STUDENTS)
    assert "nothing changed" in capsys.readouterr().out
    assert District.objects.count() == 1 and Contact.objects.count() == contacts


def _chronic_share_last_year(district, site_name=None):
    """Share of students who missed 10% or more of last year's school days (partial days as half)."""
    from collections import Counter

    from liaison.attendance.models import AttendanceEvent, SchoolDay, school_year_of

    year = school_year_of(timezone.localdate()) - 1
    events = AttendanceEvent.objects.filter(district=district, date__year__in=(year, year + 1))
    if site_name:
        events = events.filter(site__name=site_name)
    students = Site.objects.get(district=district, name=site_name) if site_name else None
    enrolled = (
        Student.objects.filter(enrolments__site=students)
        if students
        else Student.objects.filter(district=district)
    ).count()
    days = (
        SchoolDay.objects.filter(site__district=district, school_year=year, is_instructional=True)
        .values("date")
        .distinct()
        .count()
    )
    missed = Counter()
    for student, category in events.values_list("student_id", "category"):
        if category in ("excused_absence", "unexcused_absence"):
            missed[student] += 1
        elif category in ("early_departure", "partial"):
            missed[student] += 0.5
    return sum(1 for n in missed.values() if n >= 0.1 * days) / enrolled


def test_about_a_fifth_of_the_students_were_chronically_absent_more_in_the_high_school(
    district, db
):
    assert 0.15 <= _chronic_share_last_year(district) <= 0.28
    assert _chronic_share_last_year(district, "Eastside High School") > _chronic_share_last_year(
        district, "Riverside Elementary School"
    )


def test_the_attendance_came_in_through_the_import_with_nothing_refused(district, db):
    from liaison.attendance.models import AttendanceEvent, AttendanceImport, SchoolDay

    imports = list(AttendanceImport.objects.filter(district=district).order_by("pk"))
    assert [(i.kind, i.status, i.rows_refused) for i in imports] == [
        ("calendar", "done", 0),
        ("events", "done", 0),
    ]
    closed = SchoolDay.objects.filter(site__district=district, is_instructional=False)
    assert closed.filter(note="Weather day").exists()
    assert not AttendanceEvent.objects.filter(
        district=district, date__in=closed.values("date")
    ).exists()
    assert (
        AttendanceEvent.objects.filter(district=district, date__gte=timezone.localdate()).count()
        == 0
    )


def test_this_years_attendance_is_measured_to_the_last_school_day_with_every_tier_populated(
    district, db
):
    """The calendar runs to June: the measures stop at the last school day that has come, so about
    a fifth of the students are chronically absent, and both tiers of support have students; last
    year's measures are kept for the "chronically absent last school year" rule."""
    from collections import Counter

    from liaison.attendance.models import StudentAttendance, school_year_of

    today = timezone.localdate()
    year = school_year_of(today)
    rows = StudentAttendance.objects.filter(district=district, school_year=year)
    assert rows.count() == STUDENTS
    assert {r.as_of for r in rows} == {max(r.as_of for r in rows)}
    assert max(r.as_of for r in rows) <= today
    assert 0.15 <= rows.filter(chronic=True).count() / STUDENTS <= 0.30
    tiers = Counter(rows.values_list("tier", flat=True))
    assert tiers[2] >= STUDENTS * 0.05 and tiers[3] >= STUDENTS * 0.05
    last_year = StudentAttendance.objects.filter(district=district, school_year=year - 1)
    assert last_year.filter(chronic=True).exists()
    reasons = rows.values_list("tier_reasons", flat=True)
    assert any({"code": "chronic_last_year"} in r for r in reasons)


def test_the_attendance_outcomes_page_shows_figures_by_tier(district, client):
    client.force_login(User.objects.get(username="admin"))
    page = client.get(reverse("insights:attendance_outcomes")).content.decode()
    assert "All students reached" in page
    for tier in ("Tier 1: universal", "Tier 2: early support", "Tier 3: intensive support"):
        assert tier in page
    assert page.count("%</td>") >= 10


def test_a_principal_reads_the_before_and_after_figures_of_their_school_only(district, client):
    def rows(username):
        client.force_login(User.objects.get(username=username))
        page = client.get(reverse("insights:attendance_outcomes")).content.decode()
        found = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
        return page, found

    _page, district_rows = rows("admin")
    page, school_rows = rows("leader")
    assert "Students of Riverside Elementary School." in page
    assert (
        school_rows["Riverside Elementary School"] == district_rows["Riverside Elementary School"]
    )
    assert school_rows["All students reached"] == school_rows["Riverside Elementary School"]
    assert "Lincoln Middle School" in district_rows and "Lincoln Middle School" not in school_rows
    # The Insights page and the attendance pages lead there.
    for name in ("insights:dashboard", "attendance:at_risk"):
        assert reverse("insights:attendance_outcomes") in client.get(reverse(name)).content.decode()


def test_the_demo_liaison_has_tier_3_students_to_reach(district, db):
    from liaison.attendance.today import intensive_on_caseload

    assert intensive_on_caseload(User.objects.get(username="liaison")).exists()


def test_the_families_threads_read_in_their_language_and_the_school_writes_in_working_hours(
    district, db
):
    """A Spanish-speaking family wrote its replies in Spanish and reads the liaison's messages in
    Spanish (translations the district approved); staff read the replies in English; and no
    liaison wrote to a family in the middle of the night."""
    import datetime as dt
    import zoneinfo

    from liaison.demo.phrases import PHRASES
    from liaison.language.services import stored_staff_translations
    from liaison.messaging.models import Message
    from liaison.portal.inbox import shown

    conversation = Message.objects.filter(district=district, kind="conversation")
    replies = list(
        conversation.filter(direction="in", guardian__preferred_language="es").select_related(
            "guardian"
        )
    )
    assert replies and all(m.source_language == "es" for m in replies)
    assert "Mi hija está enferma hoy." in {m.body for m in replies}
    in_english = stored_staff_translations(replies, "en")
    assert in_english and set(in_english) == {m.pk for m in replies}
    assert "My daughter is sick today." in in_english.values()
    theirs = next(m for m in replies if m.conversation_id)
    ours = conversation.filter(direction="out", conversation_id=theirs.conversation_id).first()
    read = shown(ours, theirs.guardian)
    assert read.translated and not read.machine
    assert read.body == PHRASES[ours.body]["es"]
    # The history's messages (the last day's are as late as the moment the demo was built).
    zone = zoneinfo.ZoneInfo(district.time_zone)
    hours = {
        m.created_at.astimezone(zone).hour
        for m in conversation.filter(
            direction="out",
            sent_by__isnull=False,
            created_at__lt=timezone.now() - dt.timedelta(days=2),
        )
    }
    assert hours and min(hours) >= 8 and max(hours) <= 17
