"""Tier 1 positive notes: a warm note in the family's language when a child's attendance clearly
improved or a month went by without an absence; once a month per child, siblings together, never
about a restricted guardian's child, never a second attendance message to a family that day,
never handed over outside a school day's daytime, and not at all when the district turned it off."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command

from liaison.attendance.choices import Category
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceNudge,
    AttendanceRules,
    PositiveNote,
    SchoolDay,
    StudentAttendance,
)
from liaison.attendance.positive import praiseworthy, send_positive_notes
from liaison.attendance.signals import day_imported
from liaison.messaging.models import Delivery, Message
from liaison.messaging.outbox import ensure_renderings
from liaison.people.models import Student
from tests import factories as f

NY = zoneinfo.ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 10, 5)
TUESDAY_MORNING = dt.datetime(2026, 10, 6, 9, 30, tzinfo=NY)


def _calendar(site, start=dt.date(2026, 9, 1), end=dt.date(2026, 10, 30)):
    day = start
    while day <= end:
        if day.weekday() < 5:
            SchoolDay.objects.create(site=site, date=day, school_year=2026)
        day += dt.timedelta(days=1)


def _figures(student, site, *, last="0.9500", previous="0.8000", as_of=MONDAY):
    StudentAttendance.objects.update_or_create(
        student=student,
        school_year=2026,
        defaults={
            "district": student.district,
            "site": site,
            "as_of": as_of,
            "days_enrolled": 25,
            "days_absent": Decimal("3"),
            "rate_last_4_weeks": Decimal(last) if last else None,
            "rate_previous_4_weeks": Decimal(previous) if previous else None,
        },
    )


def _absent(student, site, day):
    AttendanceEvent.objects.create(
        district=student.district,
        site=site,
        student=student,
        date=day,
        category=Category.EXCUSED_ABSENCE,
    )


def _child(household, site, name):
    student = f.StudentFactory(household=household, given_name=name)
    f.EnrolmentFactory(student=student, site=site, starts_on=dt.date(2026, 8, 1))
    for guardian in household.guardians.all():
        guardian.student_links.create(student=student)
    return student


@pytest.fixture
def school(world):
    world.district.time_zone = "America/New_York"
    world.district.save()
    _calendar(world.school)
    # Every child has been enrolled since before September, but missed a day in September: none
    # has a perfect month unless a test says so.
    for household in (world.caseload_family, world.site_family, world.taught_family):
        for student in household.students.all():
            student.enrolments.update(starts_on=dt.date(2026, 8, 1))
            _absent(student, world.school, dt.date(2026, 9, 15))
    return world


def _note(school):
    return send_positive_notes(district=school.district, as_of=MONDAY, now=TUESDAY_MORNING)


def test_a_clear_improvement_sends_the_family_a_warm_note_in_its_language(school):
    child = school.caseload_family.students.get()  # a Spanish-speaking family
    _figures(child, school.school, last="0.9500", previous="0.8000")
    result = _note(school)
    assert result.sent == 1 and result.students == 1
    message = Message.objects.get(pk=result.messages[0])
    assert message.subject == "Good news about school attendance"
    assert (
        f"{child.given_name} has been coming to school more often over the last four weeks."
        in message.body
    )
    renderings, _retry = ensure_renderings(message, ["es"])
    assert renderings["es"].subject == "Buenas noticias sobre la asistencia escolar"
    assert (
        f"{child.given_name} ha venido a la escuela con más frecuencia en las últimas cuatro "
        "semanas." in renderings["es"].body
    )
    # In the household's shared thread, so the family's answer lands beside it.
    assert message.conversation.household_id == school.caseload_family.pk
    assert Delivery.objects.filter(message=message).count() == 1


@pytest.mark.parametrize(
    ("last", "previous"),
    [
        ("0.8900", "0.7000"),  # up 19 points, but still under 90%
        ("0.9500", "0.9200"),  # above 90%, but up only 3 points
        ("0.9500", None),  # nothing to compare with
        ("0.9000", "0.9800"),  # went down
    ],
)
def test_no_note_without_a_clear_improvement(school, last, previous):
    _figures(school.caseload_family.students.get(), school.school, last=last, previous=previous)
    assert _note(school).sent == 0
    assert not PositiveNote.objects.exists()


def test_a_month_without_an_absence_is_praised(school):
    child = school.caseload_family.students.get()
    AttendanceEvent.objects.filter(student=child).delete()
    # A late arrival is not an absence.
    AttendanceEvent.objects.create(
        district=school.district,
        site=school.school,
        student=child,
        date=dt.date(2026, 9, 16),
        category=Category.TARDY,
    )
    _figures(child, school.school, last="0.9500", previous="0.9500")
    result = _note(school)
    assert result.sent == 1
    body = Message.objects.get(pk=result.messages[0]).body
    assert f"{child.given_name} did not miss a single school day last month." in body
    assert PositiveNote.objects.get(student=child).reasons == ["perfect_month"]


def test_a_child_enrolled_in_the_middle_of_last_month_has_no_perfect_month(school):
    child = school.caseload_family.students.get()
    AttendanceEvent.objects.filter(student=child).delete()
    child.enrolments.update(starts_on=dt.date(2026, 9, 20))
    _figures(child, school.school, last="0.9500", previous="0.9500")
    assert _note(school).sent == 0


def test_a_note_goes_once_a_month_per_child(school):
    child = school.caseload_family.students.get()
    _figures(child, school.school)
    first = _note(school)
    later = dt.datetime(2026, 10, 8, 9, 30, tzinfo=NY)
    _figures(child, school.school, as_of=dt.date(2026, 10, 7))
    again = send_positive_notes(district=school.district, as_of=dt.date(2026, 10, 7), now=later)
    assert first.sent == 1
    assert again.sent == 0 and again.skipped["already_noted"] == 1
    assert Message.objects.filter(notice_kind="attendance_positive").count() == 1


def test_already_noted_counts_each_reachable_child_once_whatever_its_reasons(school):
    """The children already noted this month are counted by the database (a few groups, not a row
    each); the count must be the one read child by child from praiseworthy()."""

    def family_child(name):
        household = f.HouseholdFactory(district=school.district)
        f.GuardianFactory(household=household)
        return _child(household, school.school, name)

    improved_only = family_child("Ana")
    _absent(improved_only, school.school, dt.date(2026, 9, 15))
    perfect_only = family_child("Bao")
    both = family_child("Chen")
    moved_away = family_child("Dalia")  # praiseworthy and noted, but no longer reachable
    children = {
        improved_only: ("0.9500", "0.8000"),
        perfect_only: ("0.9500", "0.9500"),
        both: ("0.9500", "0.8000"),
        moved_away: ("0.9500", "0.9500"),
    }
    for child, (last, previous) in children.items():
        _figures(child, school.school, last=last, previous=previous)
    assert _note(school).students == 4
    moved_away.household.is_active = False
    moved_away.household.save()
    newcomer = family_child("Emeka")
    children[newcomer] = ("0.9500", "0.9500")
    for child, (last, previous) in children.items():
        _figures(child, school.school, last=last, previous=previous, as_of=dt.date(2026, 10, 7))
    from_scratch = sum(
        1
        for student_id in praiseworthy(district=school.district, as_of=dt.date(2026, 10, 7))
        if PositiveNote.objects.filter(student_id=student_id, month=dt.date(2026, 10, 1)).exists()
        and Student.objects.filter(
            pk=student_id, is_active=True, household__is_active=True
        ).exists()
    )
    later = dt.datetime(2026, 10, 8, 9, 30, tzinfo=NY)
    again = send_positive_notes(district=school.district, as_of=dt.date(2026, 10, 7), now=later)
    assert again.skipped["already_noted"] == from_scratch == 3
    assert again.students == 1
    assert PositiveNote.objects.get(student=newcomer).reasons == ["perfect_month"]


def test_siblings_are_praised_together_in_one_message(school):
    household = school.caseload_family
    first = household.students.get()
    second = _child(household, school.school, "Marisol")
    _figures(first, school.school)
    _figures(second, school.school, last="1.0000", previous="0.8500")
    result = _note(school)
    assert result.sent == 1 and result.students == 2
    body = Message.objects.get(pk=result.messages[0]).body
    assert first.given_name in body and "Marisol" in body
    assert body.count("Thank you for all you do.") == 1


def test_a_restricted_guardians_child_is_left_to_a_person(school):
    household = school.caseload_family
    _figures(household.students.get(), school.school)
    f.GuardianFactory(
        household=household,
        contact_restricted=True,
        contact_restriction_reason="Court order",
        phone="+18575550177",
    )
    result = _note(school)
    assert result.sent == 0 and result.skipped["restricted"] == 1
    assert not Delivery.objects.filter(message__notice_kind="attendance_positive").exists()


def test_a_family_with_an_absence_message_that_day_is_not_praised_the_same_day(school):
    household = school.caseload_family
    child = household.students.get()
    _figures(child, school.school)
    AttendanceNudge.objects.create(
        district=school.district,
        household=household,
        day=MONDAY,
        sent_on=TUESDAY_MORNING.date(),
        student_ids=[child.pk],
    )
    result = _note(school)
    assert result.sent == 0 and result.skipped["told_today"] == 1
    # Not marked: a later day's run may still praise the child this month.
    assert not PositiveNote.objects.exists()


def test_a_note_written_on_a_friday_night_waits_for_mondays_morning(school):
    _figures(school.caseload_family.students.get(), school.school, as_of=dt.date(2026, 10, 9))
    friday_night = dt.datetime(2026, 10, 9, 21, 0, tzinfo=NY)
    result = send_positive_notes(
        district=school.district, as_of=dt.date(2026, 10, 9), now=friday_night
    )
    assert result.sent == 1
    message = Message.objects.get(pk=result.messages[0])
    assert message.send_at == dt.datetime(2026, 10, 12, 8, 0, tzinfo=NY)
    assert PositiveNote.objects.get().sent_on == dt.date(2026, 10, 12)


def test_a_district_that_turned_positive_notes_off_sends_none(school):
    AttendanceRules.objects.create(district=school.district, positive_notes_on=False)
    _figures(school.caseload_family.students.get(), school.school)
    result = _note(school)
    assert result.sent == 0 and result.skipped["off"] == 1


def test_figures_long_past_send_nothing(school):
    _figures(school.caseload_family.students.get(), school.school)
    later = dt.datetime(2026, 10, 20, 9, 30, tzinfo=NY)
    result = send_positive_notes(district=school.district, as_of=MONDAY, now=later)
    assert result.sent == 0 and result.skipped["not_recent"] == 1


def test_the_imported_day_signal_sends_the_notes_after_the_recompute(school, time_machine):
    """The figures are the recompute's own: three days missed at the start of September, none in
    the four weeks since."""
    time_machine.move_to(TUESDAY_MORNING)
    child = school.caseload_family.students.get()
    AttendanceEvent.objects.filter(student=child).delete()
    for day in (1, 2, 3):
        _absent(child, school.school, dt.date(2026, 9, day))
    day_imported.send(
        sender=None, district=school.district, site_ids={school.school.pk}, days={MONDAY}
    )
    assert PositiveNote.objects.filter(household=school.caseload_family).exists()


def test_the_command_sends_the_positive_notes(school, capsys, time_machine):
    time_machine.move_to(TUESDAY_MORNING)
    _figures(school.caseload_family.students.get(), school.school)
    call_command(
        "attendance_nudges", "--district", "testville", "--day", "2026-10-05", "--positive"
    )
    out = capsys.readouterr().out
    assert "2026-10-05: 1 families sent a positive note about 1 children." in out
